import GRDB

/// The store's own settings and cursors (`kiosk_meta`): the personal-data key check, the
/// ticket printer, sync's switch, cursors and last outcomes. One row per name.
enum KioskMeta {
    static func value(_ name: String, in db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM kiosk_meta WHERE name = ?"), arguments: [name])
    }

    static func set(_ name: String, _ value: String, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO kiosk_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value
            """).execute(arguments: [name, value])
    }

    static func remove(_ name: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM kiosk_meta WHERE name = ?", arguments: [name])
    }
}
