import ArgumentParser
import Foundation

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a config file: syntax, unknown keys, types, and whether the devices it names exist.",
        discussion: "Exits 0 when the config is usable and every device is present, 1 on an error, 6 when a device is missing.")

    @Option(name: .long, help: "The config file to check (default: /etc/kioskd/kioskd.toml, else the embedded default).")
    var config: String?

    func run() async throws {
        let loaded: KioskConfig
        do { loaded = try KioskConfig.load(path: config) } catch { throw Refused("\(error)") }
        print("config: \(loaded.origin)")
        print("device.id = \(loaded.deviceID)")
        print("device.data_dir = \(loaded.dataDirectory)")
        print("counter.allow_negative_stock = \(loaded.allowNegativeStock)")
        for s in loaded.scanners {
            print("\(s.keyPath): \(s.kind.rawValue) \(s.kind == .fifo ? loaded.fifoPath(of: s) : s.path ?? s.deviceName ?? "")")
        }
        for p in loaded.printers { print("printer \(p.name): \(p.format.rawValue) \(p.address) \(p.dpi) dpi") }
        print("labels.track_url = \(loaded.labelSettings().trackURL)\(loaded.labels.trackURL == nil ? " (derived)" : "")")
        let problems = loaded.deviceProblems()
        for p in problems { print("problem: \(p)") }
        let warnings = loaded.warnings()
        for w in warnings { print("warning: \(w)") }
        guard problems.isEmpty else { throw ExitCode(6) }
        print(warnings.isEmpty ? "配置可用 config OK" : "配置可用但有 \(warnings.count) 条警告 config OK with \(warnings.count) warning\(warnings.count == 1 ? "" : "s"): read them above")
    }
}
