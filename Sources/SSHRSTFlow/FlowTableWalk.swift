extension FlowTable {
    /// The slot touched next after `slot` (towards the most recent), for walking the LRU list from
    /// `oldest`; nil at the most recent.
    @inlinable
    public func newer(than slot: Int) -> Int? {
        guard slot >= 0 && slot < meta.count else { return nil }
        let previous = meta[slot].previous
        return previous >= 0 ? Int(previous) : nil
    }
}
