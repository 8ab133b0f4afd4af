import Foundation
import GRDB

extension Counter {
    /// Takes the scan path once at start-up, inside a transaction that is rolled back: a
    /// receipt of the first registered barcode into a bin. Nothing is saved, logged or
    /// published, but the code, the cached statements and the store's pages that a scan
    /// needs are loaded before the clerk's first scan, which otherwise pays for them (on a
    /// board, the program's pages read from the SD card; in the QEMU rig, the first scan took
    /// 55–136 ms against 13–15 ms for the others).
    /// - Returns: `false` when there is nothing to rehearse with (no barcode or bin yet) or
    ///   the counter refuses writes.
    @discardableResult
    public func rehearse() -> Bool {
        guard options.refuseWrites == nil else { return false }
        struct RolledBack: Error {}
        do {
            try database.write { db -> Void in
                guard let code = try String.fetchOne(db, sql: "SELECT code FROM barcode ORDER BY code LIMIT 1"),
                      let bin = try String.fetchOne(db, sql: "SELECT code FROM bin ORDER BY code LIMIT 1") else { return }
                for text in ["KD:CMD:RECEIVE", "KD:BIN:\(bin)", code] {
                    _ = try handle(ScanEvent(source: "rehearsal", text: text), in: db)
                }
                throw RolledBack()
            }
            return false
        } catch is RolledBack {
            return true
        } catch {
            return false
        }
    }
}
