import Foundation
import GRDB

extension Counter {
    /// Takes the scan path once at start-up, inside a transaction that is rolled back: a
    /// receipt of the first registered barcode into the first bin. Nothing is saved, logged
    /// or published, and the counter's cached session is put back as it was. But the code,
    /// the cached statements and the store's pages that a scan reads are loaded before the
    /// clerk's first scan, which otherwise pays for them: on a board, the program's pages
    /// come from the SD card; in the QEMU rig, the first scan took 55–136 ms against
    /// 13–15 ms for the others.
    ///
    /// Waits for the store's write lock like any write (up to the busy timeout) when another
    /// process holds it.
    /// - Returns: `true` when the receipt was rehearsed; `false` when there is nothing to
    ///   rehearse with (no barcode or bin yet), the receipt was refused (the store's first
    ///   barcode is not a part to receive), or the counter refuses writes.
    /// - Throws: what the store threw (an I/O error, damage, the write lock not free): the
    ///   first real scan would likely meet it too, so say so.
    @discardableResult
    public func rehearse() throws -> Bool {
        guard options.refuseWrites == nil else { return false }
        struct RolledBack: Error { let received: Bool }
        let kept = sessionCache.entry
        defer { sessionCache.entry = kept }
        do {
            try database.write { db -> Void in
                guard let code = try String.fetchOne(db, sql: "SELECT code FROM barcode ORDER BY code LIMIT 1"),
                      let bin = try String.fetchOne(db, sql: "SELECT code FROM bin ORDER BY code LIMIT 1") else { return }
                var last: ScanFeedback?
                for text in ["KD:CMD:RECEIVE", "KD:BIN:\(bin)", code] {
                    // The path a scan takes, refusals rolled back with the whole rehearsal.
                    last = try handle(ScanEvent(source: "rehearsal", text: text), in: db, refusals: .rollBack)
                }
                throw RolledBack(received: last?.movement?.kind == .receive)
            }
            return false
        } catch let rolledBack as RolledBack {
            return rolledBack.received
        } catch is RefusedAfterWriting {
            return false
        }
    }
}
