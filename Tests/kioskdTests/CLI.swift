import Foundation
import Testing

/// Runs the real `kioskd` binary, built next to the test bundle, in a scratch directory.
final class CLI {
    let directory: URL
    static let binary: String = ProcessInfo.processInfo.environment["KIOSKD_BINARY"]
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kioskd").path

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    var dataDir: String { directory.appendingPathComponent("data").path }

    /// Runs `kioskd ARGS`; store commands get `--data-dir` so no system config is touched.
    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil, executable: String? = nil) throws -> Result {
        let process = Process()
        if let environment { process.environment = environment }
        process.executableURL = URL(fileURLWithPath: executable ?? Self.binary)
        process.arguments = executable == nil ? arguments : Array(arguments.dropFirst())
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }

    func store(_ arguments: String...) throws -> Result {
        try run(arguments + ["--data-dir", dataDir])
    }

    func write(_ name: String, _ contents: String) -> String {
        let path = directory.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(contents.utf8))
        return path
    }
}
