import ArgumentParser
import Foundation
import KioskCore

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Backups of the store (备份): full copies and increments, verify, restore, restore drill, retention.",
        subcommands: [Now.self, List.self, Verify.self, Restore.self, Drill.self, Prune.self])

    struct Folder: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Option(help: "The backup folder (default: <data_dir>/backups; better on another disk).") var dir: String?

        func open() throws -> (KioskConfig, Backups) {
            let (config, db) = try store.openDatabase()
            let folder = dir ?? config.backupDirectory
            return (config, Backups(database: db, directory: URL(fileURLWithPath: folder)))
        }
    }

    static func describe(_ r: BackupRecord) -> String {
        [r.kind.rawValue, r.file, ISO8601DateFormatter().string(from: r.createdAt),
         "movements \(r.rowCounts["stock_movement"] ?? 0)", "base \(r.base)", "audit #\(r.auditHead?.seq ?? 0)"].joined(separator: "\t")
    }

    struct Now: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a backup now: an increment over the last one, or --full.")
        @OptionGroup var folder: Folder
        @Flag(help: "A full copy (SQLite online backup) instead of an increment.") var full = false
        func run() async throws {
            let (_, backups) = try folder.open()
            let started = Date()
            let progress = TerminalProgress()
            let record = try full ? backups.full(progress: progress.handler) : backups.incremental(progress: progress.handler)
            progress.finish("已备份 backed up \(record.file)")
            try backups.database.audit.record(.backupTaken, actor: cliActor, detail: "\(record.kind.rawValue) \(record.file)")
            print("已备份 backed up\t\(BackupCommand.describe(record))\t\(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The backups in the folder, oldest first.")
        @OptionGroup var folder: Folder
        func run() async throws {
            let backups = try folder.open().1
            let records = try backups.list()
            for (record, trust) in zip(records, backups.trust(records)) {
                let signature = switch trust {
                case .signed: "signed"
                case .unsigned: "UNSIGNED 未签名"
                case .otherKey: "OTHER KEY 其他密钥"
                case .altered: "ALTERED 已被改动"
                }
                print(BackupCommand.describe(record) + "\t" + signature)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every record's signature and file name, every backup file's hash, and each full backup's integrity (exit 9 on a problem).")
        @OptionGroup var folder: Folder
        func run() async throws {
            var damaged = false
            let progress = TerminalProgress()
            let results = try folder.open().1.verify(progress: progress.handler)
            progress.finish("已校验 verified \(results.count) backups: \(results.filter { $0.1 != nil }.count) damaged")
            for (record, problem) in results {
                print("\(problem == nil ? "ok" : "DAMAGED")\t\(record.file)\(problem.map { "\t\($0)" } ?? "")")
                damaged = damaged || problem != nil
            }
            if damaged { throw ExitCode(9) }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore the newest backup chain into a new database file. Stop kioskd, then move the file to <data_dir>/kioskd.sqlite.")
        @OptionGroup var folder: Folder
        @Argument(help: "Where to write the restored database (must not exist).") var target: String
        @Option(help: "Restore up to this backup file instead of the newest.") var upTo: String?
        @Flag(help: "Restore backups that are not signed (made before kioskd signed its backups). Only if nobody else can have written to the backup folder.")
        var trustUnsigned = false
        func run() async throws {
            let (_, backups) = try folder.open()
            let started = Date()
            let progress = TerminalProgress()
            let files: [String]
            do {
                files = try backupRefusing { try backups.restore(to: target, upTo: upTo, trustUnsigned: trustUnsigned, progress: progress.handler) }
            } catch {
                progress.abandon()
                throw error
            }
            progress.finish("已恢复 restored \(files.count) backup files into \(target)")
            try backups.database.audit.record(.backupRestored, actor: cliActor,
                                              detail: "into \(target) from \(files.joined(separator: ", "))\(trustUnsigned ? " (--trust-unsigned)" : "")")
            print("已恢复 restored \(target) from \(files.joined(separator: " + "))\t\(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
    }

    struct Drill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore drill: take an increment, restore the chain into a scratch folder, check integrity, compare row counts and content with the store (exit 9 on a mismatch).")
        @OptionGroup var folder: Folder
        @Option(help: "Scratch folder (default: a temporary one).") var scratch: String?
        func run() async throws {
            let (_, backups) = try folder.open()
            let dir = scratch.map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-drill-\(UUID().uuidString)")
            let progress = TerminalProgress()
            let report: DrillReport
            do {
                report = try backupRefusing { try backups.drill(scratch: dir, progress: progress.handler) }
            } catch {
                progress.abandon()
                throw error
            }
            progress.finish("恢复演练完成 restore drill done")
            try? FileManager.default.removeItem(at: dir)
            try backups.database.audit.record(.backupRestored, actor: cliActor,
                                              detail: "drill \(report.isGood ? "passed" : "FAILED"): \(report.restoredFrom.joined(separator: ", "))")
            print("restored from\t\(report.restoredFrom.joined(separator: " + "))")
            print("integrity_check\t\(report.integrity)")
            print("row counts\t\(report.rowCountsMatch ? "match" : "DIFFER")")
            print("content hash\t\(report.contentMatches ? "match" : "DIFFERS")")
            print(String(format: "backup %.2f s, restore %.2f s", report.backupSeconds, report.restoreSeconds))
            print(report.isGood ? "恢复演练通过 restore drill passed" : "恢复演练失败 restore drill FAILED")
            if !report.isGood { throw ExitCode(9) }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Keep the newest N full backups and their increments; delete older ones.")
        @OptionGroup var folder: Folder
        @Option(help: "Full backups to keep (weekly fulls: 4 keeps about a month).") var keepFull = 4
        func run() async throws {
            for file in try folder.open().1.prune(keepFull: keepFull) { print("已删除 removed \(file)") }
        }
    }
}

func backupRefusing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as BackupError { throw Refused(e.description) }
}
