import ArgumentParser
import SSHRSTAttribution

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the evidence rules used to attribute resets, with their documentation.")

    @Flag(name: .long, help: "One line per rule: id and signal only.")
    var brief = false

    func run() {
        for info in RuleCatalog.all {
            if brief {
                print("\(info.id.rawValue)\t\(info.signal)")
                continue
            }
            print(info.id.rawValue)
            print("  signal:          \(info.signal)")
            print("  points to:       \(info.why)")
            print("  false positives: \(info.falsePositives)")
            print("  reference:       \(info.reference)")
            print("")
        }
    }
}

struct Causes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causes",
        abstract: "List the diagnosis causes sshrst can recognise, and what packets can and cannot tell.")

    @Flag(name: .long, help: "One line per cause: id and title only.")
    var brief = false

    func run() {
        for info in CauseCatalog.all {
            if brief {
                print("\(info.id.rawValue)\t\(info.title)")
                continue
            }
            print(info.id.rawValue + " — " + info.title)
            print("  on the wire:  \(info.signature)")
            print("  detectable:   \(info.detectable)")
            print("")
        }
    }
}
