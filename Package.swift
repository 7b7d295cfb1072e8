// swift-tools-version: 6.2
// sshrst: who sent the reset? Passive SSH/TCP reset attribution from pcap and live capture.
import PackageDescription

// No `unsafeFlags` here: SwiftPM refuses them in a package used as a dependency by URL, and the
// `SSHRST` library is meant to be used that way. The release tuning (cross-module optimisation, no
// dynamic exclusivity checks) is passed by the scripts that build release, all through
// Scripts/build-release: Scripts/sshrst, Scripts/install, Scripts/package, Scripts/bench, Scripts/bench-live.

/// Decoding targets see attacker-controlled bytes: no `unsafe` may appear there.
let strict: [SwiftSetting] = [
    .strictMemorySafety(),
    .treatWarning("StrictMemorySafety", as: .error),
]

let package = Package(
    name: "sshrst",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sshrst", targets: ["SSHRSTCLI"]),
        .library(name: "SSHRST", targets: ["SSHRST"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]
        ),
        // Decompressors for .gz/.zst/.xz captures (Debian zlib1g-dev, libzstd-dev, liblzma-dev).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(name: "CLzma", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"]), .brew(["xz"])]),
        // The audited fixed-header reader: one length check per header, then unchecked loads (every
        // `unsafe` expression is marked). Nothing else reads packet bytes without a check per read.
        // Also the copy of a string literal's constant bytes into prose (`StaticText`), the copy of a span's
        // bytes into an array and the compare of two spans (`ByteCopy`), and the sampled digest that cache
        // slots of byte strings are keyed by (`SampledDigest`, read with the header reader).
        .target(name: "SSHRSTBytes", swiftSettings: strict),
        // Link/IP/TCP/ICMP views over Span<UInt8>; stdlib only, nothing allocated.
        .target(name: "SSHRSTWire", dependencies: ["SSHRSTBytes"], swiftSettings: strict),
        // Flow table, TCP half-connections, Zeek conn_state/history; stdlib only.
        .target(name: "SSHRSTFlow", dependencies: ["SSHRSTWire"], swiftSettings: strict),
        // Passive RFC 4253 decoder (identification, binary packets, KEXINIT); stdlib and SSHRSTBytes's copy.
        .target(name: "SSHRSTTransport", dependencies: ["SSHRSTBytes"], swiftSettings: strict),
        // Evidence rules and verdicts; pure functions of plain values; stdlib only.
        .target(name: "SSHRSTAttribution", dependencies: ["SSHRSTWire"], swiftSettings: strict),
        // The only target that imports CPcap, and with SSHRSTBytes the only ones that write `unsafe`.
        .target(name: "SSHRSTCapture", dependencies: ["SSHRSTBytes", "SSHRSTWire", "CPcap", "CZlib", "CZstd", "CLzma"]),
        // Record model and renderers (JSON Lines, text, Zeek); records are written through SSHRSTCapture's ByteSink.
        .target(name: "SSHRSTReport", dependencies: ["SSHRSTCapture", "SSHRSTWire"]),
        // The engine: one straight line from frame to record.
        .target(
            name: "SSHRST",
            dependencies: [
                "SSHRSTBytes", "SSHRSTWire", "SSHRSTFlow", "SSHRSTTransport", "SSHRSTAttribution",
                "SSHRSTCapture", "SSHRSTReport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "SSHRSTCLI",
            dependencies: [
                "SSHRST", "SSHRSTCapture", "SSHRSTReport", "SSHRSTAttribution", "SSHRSTWire", "SSHRSTFlow",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "SSHRSTWireTests", dependencies: ["SSHRSTWire"]),
        .testTarget(name: "SSHRSTFlowTests", dependencies: ["SSHRSTFlow", "SSHRSTWire"]),
        .testTarget(name: "SSHRSTTransportTests", dependencies: ["SSHRSTTransport", "SSHRSTBytes"]),
        .testTarget(name: "SSHRSTAttributionTests", dependencies: ["SSHRSTAttribution", "SSHRSTWire"]),
        .testTarget(
            name: "SSHRSTTests",
            dependencies: ["SSHRST", "SSHRSTReport", "SSHRSTCapture", "SSHRSTWire", "SSHRSTBytes"]
        ),
    ]
)
