import KioskCore
import ServiceLifecycle

/// Publishes commits made by other processes (a `kioskd` command, a restore) on the store's
/// change stream, and ends every subscription when the daemon stops, so that the pages'
/// event streams close and the web server can stop.
struct StoreChangeService: Service {
    let database: KioskDatabase

    func run() async throws {
        await cancelWhenGracefulShutdown { await database.watchOtherProcesses() }
        database.changes.finishAll()
    }
}
