/// The version of sshrst, written in this one place: `sshrst --version` prints it, every
/// `summary` record carries it (`sshrst_version`), and Scripts/package names the Debian
/// package after it (read from the built binary's `--version`).
///
/// Semantic versioning: the minor number goes up when the record contract
/// (the JSON Lines fields) gains fields or the attribution rules change, the patch number for fixes.
public enum SSHRSTVersion {
    public static let current = "0.2.0"
}
