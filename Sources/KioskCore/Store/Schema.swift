import Foundation
import GRDB

/// The schema, as named migrations. Shipped migrations are never edited: add new ones.
enum Schema {
    /// A 16-byte UUID column as the text `UUID(uuidString:)` reads (upper-case, with dashes).
    static func uuidText(_ column: String) -> String {
        "substr(hex(\(column)), 1, 8) || '-' || substr(hex(\(column)), 9, 4) || '-' || substr(hex(\(column)), 13, 4) || '-' || substr(hex(\(column)), 17, 4) || '-' || substr(hex(\(column)), 21, 12)"
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-parts-stock") { db in
            try db.create(table: "bin") { t in
                t.primaryKey("code", .text)
                t.column("label", .text).notNull().defaults(to: "")
            }
            try db.create(table: "part") { t in
                t.primaryKey("partNumber", .text)
                t.column("nameZh", .text).notNull()
                t.column("nameEn", .text).notNull()
                t.column("unit", .text).notNull().defaults(to: "个")
                t.column("safetyStock", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
                t.column("reorderPoint", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
                t.column("defaultBin", .text).references("bin", onDelete: .setNull)
            }
            try db.create(table: "barcode") { t in
                t.primaryKey("code", .text)
                t.column("partNumber", .text).notNull().indexed().references("part", onDelete: .cascade)
                t.column("symbology", .text).notNull()
            }
            try db.create(table: "stock_movement") { t in
                // The row id is the device's monotonic sequence; AUTOINCREMENT never reuses one.
                t.autoIncrementedPrimaryKey("seq")
                t.column("key", .blob).notNull().unique()
                t.column("kind", .text).notNull()
                t.column("partNumber", .text).notNull().indexed().references("part")
                t.column("quantity", .integer).notNull().check { $0 > 0 }
                t.column("fromBin", .text).references("bin")
                t.column("toBin", .text).references("bin")
                t.column("workOrder", .text)
                t.column("reason", .text)
                t.column("reverses", .blob)
                t.column("stocktakeID", .blob)
                t.column("scanText", .text)
                t.column("deviceID", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("recordedAt", .datetime).notNull()
            }
            // Partial indexes: a receive (no work order, reverses nothing) writes no page of them.
            try db.create(index: "stock_movement_workOrder", on: "stock_movement", columns: ["workOrder"],
                          condition: Column("workOrder") != nil)
            try db.create(index: "stock_movement_reverses", on: "stock_movement", columns: ["reverses"],
                          options: .unique, condition: Column("reverses") != nil)
            try db.create(table: "stock_balance") { t in
                t.column("partNumber", .text).notNull().references("part")
                t.column("binCode", .text).notNull().references("bin")
                t.column("quantity", .integer).notNull()
                t.primaryKey(["partNumber", "binCode"])
            }
            try db.create(table: "stock_alert") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("partNumber", .text).notNull().indexed().references("part")
                t.column("level", .text).notNull()
                t.column("onHand", .integer).notNull()
                t.column("threshold", .integer).notNull()
                t.column("movementKey", .blob).notNull()
                t.column("raisedAt", .datetime).notNull()
                t.column("clearedAt", .datetime)
            }
            try db.create(table: "stocktake") { t in
                t.primaryKey("id", .blob)
                // NULL: the whole store.
                t.column("binCode", .text).references("bin")
                t.column("status", .text).notNull()
                t.column("openedBy", .text).notNull()
                t.column("openedAt", .datetime).notNull()
                t.column("closedAt", .datetime)
                t.column("confirmedAt", .datetime)
            }
            try db.create(table: "stocktake_scan") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("key", .blob).notNull().unique()
                t.column("stocktakeID", .blob).notNull().indexed().references("stocktake")
                t.column("partNumber", .text).notNull().references("part")
                t.column("binCode", .text).notNull().references("bin")
                // Negative for the undo of a count scan.
                t.column("quantity", .integer).notNull()
                t.column("reverses", .blob).unique()
                t.column("deviceID", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("recordedAt", .datetime).notNull()
            }
            try db.create(table: "stocktake_line") { t in
                t.column("stocktakeID", .blob).notNull().references("stocktake")
                t.column("partNumber", .text).notNull().references("part")
                t.column("binCode", .text).notNull().references("bin")
                t.column("expected", .integer).notNull()
                t.column("counted", .integer).notNull()
                t.primaryKey(["stocktakeID", "partNumber", "binCode"])
            }
            try db.create(table: "counter_session") { t in
                t.primaryKey("deviceID", .text)
                t.column("state", .jsonText).notNull()
            }
            try db.create(table: "scan_log") { t in
                t.autoIncrementedPrimaryKey("seq")
                // Unique: a scan delivered twice is answered from its first row, never applied again.
                t.column("scanID", .blob).notNull().unique()
                t.column("source", .text).notNull()
                t.column("text", .text).notNull()
                t.column("symbology", .text)
                t.column("scannedAt", .datetime).notNull()
                t.column("accepted", .boolean).notNull()
                t.column("message", .text).notNull()
                t.column("deviceID", .text).notNull()
            }
        }
        migrator.registerMigration("v2-workshop") { db in
            try db.create(table: "technician") { t in
                t.primaryKey("badge", .text)
                t.column("name", .text).notNull()
            }
            try db.create(table: "work_order") { t in
                t.primaryKey("ticketCode", .text)
                t.column("publicToken", .text).notNull().unique()
                t.column("plate", .text).notNull()
                t.column("vin", .text).notNull().indexed()
                t.column("customerPhone", .text).notNull()
                t.column("services", .jsonText).notNull()
                t.column("promisedAt", .datetime)
                t.column("bay", .text).indexed()
                t.column("state", .text).notNull()
                t.column("stateSince", .datetime).notNull()
                t.column("openedAt", .datetime).notNull()
            }
            try db.create(table: "job_transition") { t in
                t.primaryKey("id", .blob)
                t.column("ticketCode", .text).notNull().indexed().references("work_order")
                t.column("fromState", .text)
                t.column("toState", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("bay", .text)
                t.column("at", .datetime).notNull()
                t.column("reason", .text)
            }
            try db.create(table: "job_clock") { t in
                t.primaryKey("id", .blob)
                t.column("ticketCode", .text).notNull().indexed().references("work_order")
                t.column("badge", .text).notNull().indexed().references("technician")
                t.column("bay", .text)
                t.column("onAt", .datetime).notNull()
                t.column("offAt", .datetime)
            }
            try db.create(table: "parts_request") { t in
                t.primaryKey("id", .blob)
                t.column("ticketCode", .text).notNull().indexed().references("work_order")
                t.column("bay", .text)
                t.column("parts", .jsonText).notNull()
                t.column("raisedAt", .datetime).notNull()
                t.column("clearedAt", .datetime)
            }
            try db.create(table: "appointment") { t in
                t.primaryKey("code", .text)
                t.column("plate", .text).notNull()
                t.column("vin", .text).notNull()
                t.column("customerPhone", .text).notNull()
                t.column("services", .jsonText).notNull()
                t.column("promisedAt", .datetime)
                t.column("ticketCode", .text).references("work_order")
            }
            try db.create(table: "workshop_event") { t in
                t.primaryKey("id", .blob)
                t.column("kind", .text).notNull()
                t.column("ticketCode", .text).notNull().references("work_order")
                t.column("at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v3-technician-pin") { db in
            try db.alter(table: "technician") { t in t.add(column: "pinHash", .text) }
        }
        migrator.registerMigration("v4-vehicles") { db in
            // New cars on the yard (整车库存): one row per vehicle, its movements as facts.
            try db.create(table: "vehicle") { t in
                t.primaryKey("vin", .text)
                t.column("model", .text).notNull()
                t.column("colour", .text).notNull()
                t.column("status", .text).notNull()
                t.column("bin", .text).references("bin")
                t.column("salesOrder", .text)
                t.column("receivedAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(index: "vehicle_model", on: "vehicle", columns: ["model", "colour", "status"])
            try db.create(table: "vehicle_movement") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("key", .blob).notNull().unique()
                t.column("vin", .text).notNull().indexed().references("vehicle")
                t.column("kind", .text).notNull()
                t.column("fromBin", .text)
                t.column("toBin", .text)
                t.column("salesOrder", .text)
                t.column("deviceID", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("recordedAt", .datetime).notNull()
            }
            // Safety stock per model, and optionally per colour ("" = any colour).
            try db.create(table: "model_safety_stock") { t in
                t.column("model", .text).notNull()
                t.column("colour", .text).notNull()
                t.column("safetyStock", .integer).notNull().check { $0 >= 0 }
                t.primaryKey(["model", "colour"])
            }
            try db.create(table: "yard_alert") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("model", .text).notNull()
                t.column("colour", .text).notNull()
                t.column("available", .integer).notNull()
                t.column("safetyStock", .integer).notNull()
                t.column("raisedAt", .datetime).notNull()
                t.column("clearedAt", .datetime)
            }
            try db.create(table: "yard_stocktake") { t in
                t.primaryKey("id", .blob)
                t.column("openedAt", .datetime).notNull()
                t.column("closedAt", .datetime)
                t.column("actor", .text).notNull()
            }
            try db.create(table: "yard_count") { t in
                t.column("stocktakeID", .blob).notNull().references("yard_stocktake")
                t.column("vin", .text).notNull()
                t.column("bin", .text).notNull()
                t.column("countedAt", .datetime).notNull()
                t.primaryKey(["stocktakeID", "vin"])
            }
        }
        migrator.registerMigration("v5-audit") { db in
            try db.create(table: "audit_log") { t in
                t.primaryKey("seq", .integer)
                t.column("at", .datetime).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("previousHash", .text).notNull()
                t.column("hash", .text).notNull()
            }
            // Append-only: the store itself refuses to change or remove an entry.
            try db.execute(sql: """
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                """)
        }
        migrator.registerMigration("v6-pin-lockout") { db in
            try db.create(table: "pin_attempt") { t in
                t.primaryKey("badge", .text)
                t.column("failures", .integer).notNull()
                t.column("lockedUntil", .datetime)
            }
        }
        migrator.registerMigration("v7-sealed-personal-data") { db in
            // Customers' phone numbers and VINs leave the file: each is sealed (AES-GCM, the key
            // outside the store) with a keyed hash beside it for look-ups. kd_seal and kd_lookup
            // are functions of the connection (PersonalDataKey.install), not of the file.
            try db.create(table: "kiosk_meta") { t in
                t.primaryKey("name", .text)
                t.column("value", .text).notNull()
            }
            for table in ["work_order", "appointment"] {
                try db.alter(table: table) { t in
                    t.add(column: "vinSealed", .blob)
                    t.add(column: "vinHash", .text)
                    t.add(column: "phoneSealed", .blob)
                    t.add(column: "phoneHash", .text)
                }
                try db.execute(sql: """
                    UPDATE \(table) SET vinSealed = kd_seal(vin), vinHash = kd_lookup('vin', vin),
                        phoneSealed = kd_seal(customerPhone), phoneHash = kd_lookup('phone', customerPhone)
                    """)
                try db.create(index: "\(table)_vinHash", on: table, columns: ["vinHash"])
                try db.create(index: "\(table)_phoneHash", on: table, columns: ["phoneHash"])
            }
            try db.execute(sql: "DROP INDEX IF EXISTS work_order_on_vin")
            for table in ["work_order", "appointment"] {
                try db.execute(sql: "ALTER TABLE \(table) DROP COLUMN vin")
                try db.execute(sql: "ALTER TABLE \(table) DROP COLUMN customerPhone")
            }
        }
        migrator.registerMigration("v8-staff-roles") { db in
            // The technician table is the staff list: everyone with a badge, each with a role.
            try db.alter(table: "technician") { t in t.add(column: "role", .text).notNull().defaults(to: "technician") }
            try db.create(table: "staff_session") { t in
                t.primaryKey("tokenHash", .text)
                t.column("badge", .text).notNull().references("technician", onDelete: .cascade)
                t.column("csrfToken", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v9-print-queue") { db in
            try db.create(table: "print_job") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("key", .blob).notNull().unique()
                t.column("printer", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("subjects", .jsonText).notNull()
                t.column("copies", .integer).notNull().defaults(to: 1).check { $0 >= 1 && $0 <= 100 }
                t.column("requestedBy", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("lastError", .text)
                t.column("lastAttemptAt", .datetime)
                t.column("printedAt", .datetime)
                t.column("cancelledAt", .datetime)
                // While a process sends the job (the daemon or a CLI call), no other one does.
                t.column("claimedUntil", .datetime)
            }
            try db.create(index: "print_job_waiting", on: "print_job", columns: ["printer", "id"], condition: Column("printedAt") == nil)
            // The customer's job ticket is queued with the work order itself, when the device
            // is set to print one (PrintQueue.setTicketOnCheckIn): no path that opens a work
            // order can forget it.
            try db.execute(sql: """
                CREATE TRIGGER work_order_ticket AFTER INSERT ON work_order
                WHEN EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'ticket_printer')
                BEGIN
                  INSERT INTO print_job (key, printer, kind, subjects, copies, requestedBy, createdAt, attempts)
                  VALUES (randomblob(16), (SELECT value FROM kiosk_meta WHERE name = 'ticket_printer'), 'ticket',
                          json_array(NEW.ticketCode), 1, 'check-in', NEW.openedAt, 0);
                END
                """)
        }
        migrator.registerMigration("v10-sync") { db in
            // Device side: the outbox, filled by triggers in the same transaction as each change.
            try db.execute(sql: """
                CREATE TABLE sync_outbox (
                  seq INTEGER PRIMARY KEY AUTOINCREMENT,
                  eventID BLOB NOT NULL UNIQUE,
                  kind TEXT NOT NULL,
                  ref TEXT NOT NULL,
                  hlc INTEGER NOT NULL,
                  createdAt DATETIME NOT NULL);
                CREATE INDEX sync_outbox_hlc ON sync_outbox (hlc);
                CREATE TRIGGER stock_movement_outbox AFTER INSERT ON stock_movement
                WHEN EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_outbox') AND NOT EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_applying')
                BEGIN
                  INSERT INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                  VALUES (NEW.key, 'stock.movement', hex(NEW.key), \(HybridTimestamp.nextSQL), NEW.recordedAt);
                END;
                CREATE TRIGGER work_order_outbox AFTER INSERT ON work_order
                WHEN EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_outbox') AND NOT EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_applying')
                BEGIN
                  INSERT INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                  VALUES (randomblob(16), 'job.opened', NEW.ticketCode, \(HybridTimestamp.nextSQL), NEW.openedAt);
                END;
                CREATE TRIGGER job_transition_outbox AFTER INSERT ON job_transition
                WHEN NEW.actor != 'hub' AND EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_outbox')
                  AND NOT EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_applying')
                BEGIN
                  INSERT INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                  VALUES (NEW.id, 'job.transition', hex(NEW.id), \(HybridTimestamp.nextSQL), NEW.at);
                END;
                """)
            // Hub side: enrolled devices, one-time enrolment codes, and every event received, once.
            try db.create(table: "hub_device") { t in
                t.primaryKey("deviceID", .text)
                t.column("tokenHash", .text).notNull().unique()
                t.column("enrolledAt", .datetime).notNull()
                t.column("revokedAt", .datetime)
            }
            try db.create(table: "hub_enrolment") { t in
                t.primaryKey("codeHash", .text)
                t.column("deviceID", .text).notNull()
                t.column("expiresAt", .datetime).notNull()
                t.column("usedAt", .datetime)
            }
            try db.create(table: "hub_event") { t in
                t.autoIncrementedPrimaryKey("hubSeq")
                t.column("eventID", .blob).notNull().unique()
                t.column("deviceID", .text).notNull()
                t.column("deviceSeq", .integer).notNull()
                t.column("kind", .text).notNull()
                t.column("hlc", .integer).notNull()
                t.column("receivedAt", .datetime).notNull()
                t.column("outcome", .text).notNull()
            }
            try db.create(index: "hub_event_device", on: "hub_event", columns: ["deviceID", "deviceSeq"])
            // What devices pull: the latest change of each catalog row, work order, technician and
            // appointment, under a sequence that only grows (the devices' cursor); deletions stay
            // as tombstones. (Delete, then insert: an upsert's own conflict rule would override
            // an INSERT OR REPLACE inside the trigger.)
            try db.execute(sql: """
                CREATE TABLE hub_change (
                  seq INTEGER PRIMARY KEY AUTOINCREMENT,
                  entity TEXT NOT NULL,
                  key TEXT NOT NULL,
                  deleted INTEGER NOT NULL DEFAULT 0,
                  UNIQUE (entity, key));
                """)
            for (table, entity, key) in [("bin", "bin", "code"), ("part", "part", "partNumber"), ("barcode", "barcode", "code"),
                                         ("technician", "technician", "badge"), ("work_order", "order", "ticketCode"),
                                         ("appointment", "appointment", "code")] {
                for event in ["INSERT", "UPDATE"] {
                    try db.execute(sql: """
                        CREATE TRIGGER \(table)_change_\(event.lowercased()) AFTER \(event) ON \(table)
                        BEGIN
                          DELETE FROM hub_change WHERE entity = '\(entity)' AND key = NEW.\(key);
                          INSERT INTO hub_change (entity, key, deleted) VALUES ('\(entity)', NEW.\(key), 0);
                        END
                        """)
                }
                try db.execute(sql: """
                    CREATE TRIGGER \(table)_change_delete AFTER DELETE ON \(table)
                    BEGIN
                      DELETE FROM hub_change WHERE entity = '\(entity)' AND key = OLD.\(key);
                      INSERT INTO hub_change (entity, key, deleted) VALUES ('\(entity)', OLD.\(key), 1);
                    END
                    """)
            }
            // What the store already holds is the first page of changes.
            try db.execute(sql: """
                INSERT OR IGNORE INTO hub_change (entity, key) SELECT 'bin', code FROM bin;
                INSERT OR IGNORE INTO hub_change (entity, key) SELECT 'part', partNumber FROM part;
                INSERT OR IGNORE INTO hub_change (entity, key) SELECT 'barcode', code FROM barcode;
                INSERT OR IGNORE INTO hub_change (entity, key) SELECT 'technician', badge FROM technician;
                INSERT OR IGNORE INTO hub_change (entity, key) SELECT 'order', ticketCode FROM work_order;
                INSERT OR IGNORE INTO hub_change (entity, key) SELECT 'appointment', code FROM appointment;
                """)
        }
        migrator.registerMigration("v11-movement-pages") { db in
            // One page fewer in every movement's commit: the part index of the movements.
            // Movements by part are read newest first with a limit (a scan that stops early),
            // and balances by part come from stock_balance, whose key starts with the part.
            try db.execute(sql: "DROP INDEX IF EXISTS stock_movement_on_partNumber")
        }
        migrator.registerMigration("v12-movement-rowid") { db in
            // One page fewer again: without AUTOINCREMENT a movement does not rewrite the
            // sqlite_sequence page at each commit. The sequence stays the same rule (the
            // largest so far plus one) because a movement is never deleted, which a trigger
            // now enforces. Rebuilt the SQLite way: new table, copy, drop, rename, then the
            // table's indexes and triggers as they were.
            try rebuildWithoutAutoincrement("stock_movement", in: db)
            try db.execute(sql: """
                CREATE TRIGGER IF NOT EXISTS stock_movement_kept BEFORE DELETE ON stock_movement
                BEGIN SELECT RAISE(ABORT, '库存移动不可删除，请做冲销 / a stock movement is never deleted: record a reversal'); END
                """)
        }
        migrator.registerMigration("v13-sync-facts") { db in
            // Stocktakes closed or confirmed and alerts raised or cleared travel upstream too.
            // The event is written with the change; its payload is read when it is sent.
            let when = "EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_outbox') AND NOT EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_applying')"
            try db.execute(sql: """
                CREATE TRIGGER stocktake_outbox AFTER UPDATE OF status ON stocktake
                WHEN NEW.status != OLD.status AND NEW.status IN ('closed', 'confirmed') AND \(when)
                BEGIN
                  INSERT INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                  VALUES (randomblob(16), 'stocktake.status', \(Self.uuidText("NEW.id")) || ':' || NEW.status, \(HybridTimestamp.nextSQL),
                          COALESCE(NEW.confirmedAt, NEW.closedAt, NEW.openedAt));
                END;
                CREATE TRIGGER stock_alert_raised_outbox AFTER INSERT ON stock_alert
                WHEN \(when)
                BEGIN
                  INSERT INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                  VALUES (randomblob(16), 'stock.alert', NEW.id || ':raised', \(HybridTimestamp.nextSQL), NEW.raisedAt);
                END;
                CREATE TRIGGER stock_alert_cleared_outbox AFTER UPDATE OF clearedAt ON stock_alert
                WHEN OLD.clearedAt IS NULL AND NEW.clearedAt IS NOT NULL AND \(when)
                BEGIN
                  INSERT INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                  VALUES (randomblob(16), 'stock.alert', NEW.id || ':cleared', \(HybridTimestamp.nextSQL), NEW.clearedAt);
                END;
                """)
            // Hub side: the facts devices sent, as they came, for the store's upstream systems;
            // a hub with its own upstream passes them on.
            try db.create(table: "hub_fact") { t in
                t.primaryKey("eventID", .blob)
                t.column("deviceID", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("at", .datetime).notNull()
                t.column("body", .text).notNull()
            }
            try db.execute(sql: """
                CREATE TRIGGER hub_fact_outbox AFTER INSERT ON hub_fact
                WHEN \(when)
                BEGIN
                  INSERT INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                  VALUES (NEW.eventID, NEW.kind, 'hub_fact', \(HybridTimestamp.nextSQL), NEW.at);
                END;
                """)
        }
        migrator.registerMigration("v14-scan-outcome-item-trace") { db in
            // What each scan came to (the page's colour and sound for scans from any source),
            // and what a part's GS1 code said about the item moved.
            try db.alter(table: "scan_log") { t in t.add(column: "outcome", .text) }
            try db.alter(table: "stock_movement") { t in
                t.add(column: "lot", .text)
                t.add(column: "expiry", .text)
                t.add(column: "serial", .text)
                t.add(column: "netQuantity", .text)
            }
            // Serial numbers are few: a partial index costs nothing for movements without one.
            try db.execute(sql: "CREATE INDEX stock_movement_serial ON stock_movement (partNumber, serial) WHERE serial IS NOT NULL")
        }
        migrator.registerMigration("v15-security") { db in
            // Lockouts in a row per badge: each lock lasts longer than the one before (back-off),
            // and the manager's staff view shows them.
            try db.alter(table: "pin_attempt") { t in t.add(column: "lockouts", .integer).notNull().defaults(to: 0) }
            // What the hub lets each enrolled device do and see (counter, bay, desk, lobby, store),
            // and the key it shares with the device for PIN verifiers and sealed personal data.
            try db.alter(table: "hub_enrolment") { t in t.add(column: "role", .text).notNull().defaults(to: "desk") }
            try db.alter(table: "hub_device") { t in
                t.add(column: "role", .text).notNull().defaults(to: "desk")
                t.add(column: "deviceKey", .blob)
                // The newest audit log entry each device reported with its pushes: a device
                // whose log later ends before it (entries deleted) is seen at the hub.
                t.add(column: "auditSeq", .integer)
                t.add(column: "auditHash", .text)
                t.add(column: "auditAlarm", .text)
            }
            // A job move made at a page carries a proof by the person's PIN (an HMAC keyed with
            // what PBKDF2 makes of it, which the hub can check and a board does not keep); the
            // session keeps that key, sealed, while it lasts.
            try db.alter(table: "job_transition") { t in t.add(column: "proof", .text) }
            try db.alter(table: "staff_session") { t in t.add(column: "pinKey", .blob) }
        }
        migrator.registerMigration("v16-bay-press") { db in
            // Each press of a bay's button and what it came to (a move, a call, or why it did
            // nothing): the bay page shows the last one, as the counter shows its last scan.
            try db.create(table: "bay_press") { t in
                t.primaryKey("id", .blob)
                t.column("bay", .text).notNull()
                t.column("button", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("ticketCode", .text)
                t.column("effect", .text).notNull()
                t.column("message", .text).notNull()
                t.column("at", .datetime).notNull()
            }
            try db.create(index: "bay_press_bay_at", on: "bay_press", columns: ["bay", "at"])
        }
        migrator.registerMigration("v17-scan-log-rowid") { db in
            // As v12 did for movements: a scan no longer rewrites the sqlite_sequence page at
            // each commit. Scans are never deleted (the trigger), so the sequence keeps its
            // rule, which incremental backups rely on.
            try rebuildWithoutAutoincrement("scan_log", in: db)
            try db.execute(sql: """
                CREATE TRIGGER IF NOT EXISTS scan_log_kept BEFORE DELETE ON scan_log
                BEGIN SELECT RAISE(ABORT, '扫描记录不可删除 / a scan''s record is never deleted'); END
                """)
        }
        migrator.registerMigration("v18-stocktake-status") { db in
            // A count-mode scan looks for the open stocktake of its bin: by index, not by
            // reading every stocktake the store ever made (found by ScanQueryPlanTests).
            try db.create(index: "stocktake_on_status", on: "stocktake", columns: ["status", "binCode"])
        }
        migrator.registerMigration("v19-sync-refusals") { db in
            // Every job move of this device that the hub refused, once each (a batch sent
            // again repeats its refusals), for `sync status` and the counter page.
            try db.create(table: "sync_refusal") { t in
                t.primaryKey("eventID", .blob)
                t.column("ticketCode", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("hubState", .text).notNull()
                t.column("hubStateSince", .datetime)
                t.column("at", .datetime).notNull().indexed()
            }
        }
        migrator.registerMigration("v20-parts-arrived") { db in
            // When the parts a request waits for came in (received at the counter): the
            // counter shows where to take them, and the job leaves waiting-parts.
            try db.alter(table: "parts_request") { t in t.add(column: "arrivedAt", .datetime) }
            // Each receipt looks for the requests still waiting: by index, not every request ever.
            try db.create(index: "parts_request_waiting", on: "parts_request", columns: ["clearedAt", "arrivedAt"])
        }
        migrator.registerMigration("v21-workshop-event-kind") { db in
            // An undone receipt finds the arrivals it took back by kind and time.
            try db.create(index: "workshop_event_on_kind", on: "workshop_event", columns: ["kind", "at"])
        }
        migrator.registerMigration("v22-sync-parts-requests") { db in
            // A bay's parts request travels to the hub like a movement (its id, once), and so
            // does a call for help; the other workshop events every store derives itself under
            // the same ids. The hub hands both to the boards that pull.
            let when = "EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_outbox') AND NOT EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_applying')"
            try db.execute(sql: """
                CREATE TRIGGER parts_request_outbox AFTER INSERT ON parts_request
                WHEN \(when)
                BEGIN
                  INSERT INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                  VALUES (NEW.id, 'parts.request', hex(NEW.id), \(HybridTimestamp.nextSQL), NEW.raisedAt);
                END;
                CREATE TRIGGER workshop_event_outbox AFTER INSERT ON workshop_event
                WHEN NEW.kind = 'callForHelp' AND \(when)
                BEGIN
                  INSERT INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                  VALUES (NEW.id, 'workshop.event', hex(NEW.id), \(HybridTimestamp.nextSQL), NEW.at);
                END;
                """)
            for (table, entity, events) in [("parts_request", "partsRequest", ["INSERT", "UPDATE"]), ("workshop_event", "workshopEvent", ["INSERT"])] {
                for event in events {
                    try db.execute(sql: """
                        CREATE TRIGGER \(table)_change_\(event.lowercased()) AFTER \(event) ON \(table)
                        BEGIN
                          DELETE FROM hub_change WHERE entity = '\(entity)' AND key = \(Self.uuidText("NEW.id"));
                          INSERT INTO hub_change (entity, key, deleted) VALUES ('\(entity)', \(Self.uuidText("NEW.id")), 0);
                        END
                        """)
                }
                try db.execute(sql: "INSERT OR IGNORE INTO hub_change (entity, key) SELECT '\(entity)', \(Self.uuidText("id")) FROM \(table) ORDER BY rowid")
            }
            // A board that syncs already: its open requests go to the hub too (the hub now moves
            // the job when their parts arrive, and the board no longer does), oldest first.
            let syncingBoard = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_outbox') AND NOT EXISTS (SELECT 1 FROM hub_device)") ?? false
            if syncingBoard {
                for id in try Data.fetchAll(db, sql: "SELECT id FROM parts_request WHERE clearedAt IS NULL ORDER BY raisedAt, rowid") {
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                        SELECT id, 'parts.request', hex(id), \(HybridTimestamp.nextSQL), raisedAt FROM parts_request WHERE id = ?
                        """, arguments: [id])
                }
            }
        }
        migrator.registerMigration("v23-job-quotes") { db in
            // The advisor's quote for extra work, answered by the customer on the phone page.
            // Made and answered at the hub; the boards pull it (the bay and counter pages show it).
            try db.create(table: "job_quote") { t in
                t.column("id", .blob).primaryKey()
                t.column("ticketCode", .text).notNull().indexed()
                t.column("lines", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("createdBy", .text).notNull()
                t.column("decision", .text)
                t.column("decidedAt", .datetime)
                t.column("decidedVia", .text)
            }
            for event in ["INSERT", "UPDATE"] {
                try db.execute(sql: """
                    CREATE TRIGGER job_quote_change_\(event.lowercased()) AFTER \(event) ON job_quote
                    BEGIN
                      DELETE FROM hub_change WHERE entity = 'quote' AND key = \(Self.uuidText("NEW.id"));
                      INSERT INTO hub_change (entity, key, deleted) VALUES ('quote', \(Self.uuidText("NEW.id")), 0);
                    END
                    """)
            }
        }
        migrator.registerMigration("v24-webhooks") { db in
            // Events for the store's other systems, written in the transaction of what they
            // tell while at least one webhook endpoint is configured, and one delivery per
            // endpoint that takes the type.
            try db.execute(sql: """
                CREATE TABLE webhook_endpoint (name TEXT PRIMARY KEY, url TEXT NOT NULL, types TEXT NOT NULL DEFAULT '');
                CREATE TABLE upstream_event (
                  seq INTEGER PRIMARY KEY AUTOINCREMENT,
                  id TEXT NOT NULL UNIQUE,
                  type TEXT NOT NULL,
                  subject TEXT,
                  time DATETIME NOT NULL,
                  data TEXT NOT NULL);
                CREATE TABLE webhook_delivery (
                  endpoint TEXT NOT NULL,
                  eventSeq INTEGER NOT NULL REFERENCES upstream_event (seq),
                  state TEXT NOT NULL DEFAULT 'pending',
                  attempts INTEGER NOT NULL DEFAULT 0,
                  nextAt DATETIME NOT NULL,
                  lastError TEXT,
                  deliveredAt DATETIME,
                  PRIMARY KEY (endpoint, eventSeq));
                CREATE INDEX webhook_delivery_due ON webhook_delivery (state, nextAt);
                CREATE INDEX webhook_delivery_endpoint ON webhook_delivery (endpoint, state);
                CREATE TRIGGER upstream_event_deliveries AFTER INSERT ON upstream_event
                BEGIN
                  -- Due now (not at the event's time: a board's clock may run ahead).
                  INSERT INTO webhook_delivery (endpoint, eventSeq, nextAt)
                  SELECT name, NEW.seq, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM webhook_endpoint
                  WHERE types = '' OR instr(',' || types || ',', ',' || NEW.type || ',') > 0;
                END;
                """)
            let on = "EXISTS (SELECT 1 FROM webhook_endpoint)"
            let at = { (column: String) in "strftime('%Y-%m-%dT%H:%M:%fZ', \(column))" }
            let bay = "(SELECT bay FROM work_order WHERE ticketCode = NEW.ticketCode)"
            try db.execute(sql: """
                CREATE TRIGGER job_transition_upstream AFTER INSERT ON job_transition WHEN \(on)
                BEGIN
                  INSERT OR IGNORE INTO upstream_event (id, type, subject, time, data) VALUES (
                    'job-move-' || lower(hex(NEW.id)),
                    CASE WHEN NEW.fromState IS NULL THEN 'cn.kioskd.job.opened' ELSE 'cn.kioskd.job.state_changed' END,
                    NEW.ticketCode, NEW.at,
                    json_object('ticketCode', NEW.ticketCode, 'from', NEW.fromState, 'to', NEW.toState, 'bay', NEW.bay,
                                'actor', NEW.actor, 'reason', NEW.reason, 'at', \(at("NEW.at"))));
                END;
                CREATE TRIGGER workshop_event_upstream AFTER INSERT ON workshop_event WHEN NEW.kind != 'partsRequested' AND \(on)
                BEGIN
                  INSERT OR IGNORE INTO upstream_event (id, type, subject, time, data) VALUES (
                    'workshop-' || lower(hex(NEW.id)),
                    CASE NEW.kind WHEN 'partsArrived' THEN 'cn.kioskd.parts.arrived'
                      WHEN 'partsArrivalUndone' THEN 'cn.kioskd.parts.arrival_undone' WHEN 'partsRequestCleared' THEN 'cn.kioskd.parts.request_cleared'
                      WHEN 'pickupNotice' THEN 'cn.kioskd.job.pickup_ready' ELSE 'cn.kioskd.bay.help_called' END,
                    NEW.ticketCode, NEW.at,
                    json_object('ticketCode', NEW.ticketCode, 'bay', \(bay), 'at', \(at("NEW.at"))));
                END;
                -- A request tells its own parts and bay (a job may wait on two).
                CREATE TRIGGER parts_request_upstream AFTER INSERT ON parts_request WHEN \(on)
                BEGIN
                  INSERT OR IGNORE INTO upstream_event (id, type, subject, time, data) VALUES (
                    'parts-request-' || lower(hex(NEW.id)), 'cn.kioskd.parts.requested', NEW.ticketCode, NEW.raisedAt,
                    json_object('ticketCode', NEW.ticketCode, 'bay', NEW.bay, 'at', \(at("NEW.raisedAt")), 'parts', json(NEW.parts)));
                END;
                CREATE TRIGGER stock_alert_upstream_raised AFTER INSERT ON stock_alert WHEN \(on)
                BEGIN
                  INSERT OR IGNORE INTO upstream_event (id, type, subject, time, data) VALUES (
                    'stock-alert-' || lower(hex(NEW.movementKey)) || '-' || NEW.level || '-raised', 'cn.kioskd.stock.alert_raised', NEW.partNumber, NEW.raisedAt,
                    json_object('partNumber', NEW.partNumber, 'level', NEW.level, 'onHand', NEW.onHand, 'threshold', NEW.threshold, 'at', \(at("NEW.raisedAt"))));
                END;
                CREATE TRIGGER stock_alert_upstream_cleared AFTER UPDATE OF clearedAt ON stock_alert
                WHEN NEW.clearedAt IS NOT NULL AND OLD.clearedAt IS NULL AND \(on)
                BEGIN
                  INSERT OR IGNORE INTO upstream_event (id, type, subject, time, data) VALUES (
                    'stock-alert-' || lower(hex(NEW.movementKey)) || '-' || NEW.level || '-cleared', 'cn.kioskd.stock.alert_cleared', NEW.partNumber, NEW.clearedAt,
                    json_object('partNumber', NEW.partNumber, 'level', NEW.level, 'threshold', NEW.threshold, 'at', \(at("NEW.clearedAt"))));
                END;
                CREATE TRIGGER stocktake_upstream_confirmed AFTER UPDATE OF status ON stocktake
                WHEN NEW.status = 'confirmed' AND OLD.status != 'confirmed' AND \(on)
                BEGIN
                  INSERT OR IGNORE INTO upstream_event (id, type, subject, time, data) VALUES (
                    'stocktake-' || lower(hex(NEW.id)) || '-confirmed', 'cn.kioskd.stocktake.confirmed', NEW.binCode, COALESCE(NEW.confirmedAt, NEW.closedAt, NEW.openedAt),
                    json_object('stocktake', lower(hex(NEW.id)), 'bin', NEW.binCode, 'openedBy', NEW.openedBy,
                                'at', \(at("COALESCE(NEW.confirmedAt, NEW.closedAt, NEW.openedAt)")),
                                'lines', (SELECT json_group_array(json_object('partNumber', partNumber, 'bin', binCode, 'expected', expected,
                                                                              'counted', counted, 'difference', counted - expected))
                                          FROM stocktake_line WHERE stocktakeID = NEW.id)));
                END;
                """)
        }
        migrator.registerMigration("v25-store-transfers") { db in
            // Cartons shipped between the stores of a chain (调拨), by SSCC: the ones this store
            // shipped and the ones coming to it, as its hub learns them from the chain's ledger.
            // The boards pull them (a counter receives a carton by scanning its label).
            try db.create(table: "store_transfer") { t in
                t.primaryKey("sscc", .text)
                t.column("fromStore", .text).notNull()
                t.column("toStore", .text).notNull()
                t.column("incoming", .boolean).notNull()
                t.column("partNumber", .text).notNull()
                t.column("quantity", .integer).notNull()
                t.column("fromBin", .text).notNull()
                t.column("shippedAt", .datetime).notNull()
                t.column("shippedBy", .text).notNull()
                t.column("shipMovementKey", .blob).notNull().unique()
                t.column("receivedAt", .datetime)
                t.column("receivedBy", .text)
                t.column("toBin", .text)
                t.column("receiveMovementKey", .blob).unique()
            }
            try db.create(index: "store_transfer_shipped", on: "store_transfer", columns: ["shippedAt"])
            for event in ["INSERT", "UPDATE"] {
                try db.execute(sql: """
                    CREATE TRIGGER store_transfer_change_\(event.lowercased()) AFTER \(event) ON store_transfer
                    BEGIN
                      DELETE FROM hub_change WHERE entity = 'transfer' AND key = NEW.sscc;
                      INSERT INTO hub_change (entity, key, deleted) VALUES ('transfer', NEW.sscc, 0);
                    END
                    """)
            }
            // Upstream: a carton shipped (where it left), and received (told at both ends).
            let on = "EXISTS (SELECT 1 FROM webhook_endpoint)"
            let carton = { (at: String) in
                "json_object('sscc', NEW.sscc, 'partNumber', NEW.partNumber, 'quantity', NEW.quantity, 'fromStore', NEW.fromStore, 'toStore', NEW.toStore, "
                    + "'fromBin', NEW.fromBin, 'toBin', NEW.toBin, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', \(at)))"
            }
            try db.execute(sql: """
                CREATE TRIGGER store_transfer_upstream_shipped AFTER INSERT ON store_transfer WHEN NOT NEW.incoming AND \(on)
                BEGIN
                  INSERT OR IGNORE INTO upstream_event (id, type, subject, time, data) VALUES (
                    'transfer-' || NEW.sscc || '-shipped', 'cn.kioskd.stock.transfer_shipped', NEW.sscc, NEW.shippedAt, \(carton("NEW.shippedAt")));
                END;
                CREATE TRIGGER store_transfer_upstream_received AFTER UPDATE OF receiveMovementKey ON store_transfer
                WHEN OLD.receiveMovementKey IS NULL AND NEW.receiveMovementKey IS NOT NULL AND \(on)
                BEGIN
                  INSERT OR IGNORE INTO upstream_event (id, type, subject, time, data) VALUES (
                    'transfer-' || NEW.sscc || '-received', 'cn.kioskd.stock.transfer_received', NEW.sscc, NEW.receivedAt, \(carton("NEW.receivedAt")));
                END;
                """)
        }
        migrator.registerMigration("v26-part-unit-cost") { db in
            // What a unit of a part cost the store (fen), for the value of its stock.
            try db.alter(table: "part") { t in t.add(column: "unitCost", .integer) }
        }
        migrator.registerMigration("v27-purchase-orders") { db in
            // Purchase orders (made at the hub, pulled by the counters) and the supplier's
            // deliveries received against them, each receipt a movement with its condition.
            try db.execute(sql: """
                CREATE TABLE purchase_order (
                  number TEXT PRIMARY KEY,
                  supplier TEXT NOT NULL,
                  expectedOn TEXT,
                  lines TEXT NOT NULL,
                  status TEXT NOT NULL,
                  createdAt DATETIME NOT NULL,
                  createdBy TEXT NOT NULL);
                CREATE INDEX purchase_order_status ON purchase_order (status, createdAt);
                CREATE TABLE delivery (
                  id BLOB PRIMARY KEY,
                  orderNumber TEXT NOT NULL,
                  sscc TEXT UNIQUE,
                  openedAt DATETIME NOT NULL,
                  openedBy TEXT NOT NULL,
                  deviceID TEXT NOT NULL,
                  closedAt DATETIME);
                CREATE INDEX delivery_order ON delivery (orderNumber);
                CREATE TABLE delivery_line (
                  movementKey BLOB PRIMARY KEY,
                  deliveryID BLOB NOT NULL REFERENCES delivery (id) ON DELETE CASCADE,
                  partNumber TEXT NOT NULL,
                  quantity INTEGER NOT NULL,
                  condition TEXT NOT NULL);
                CREATE INDEX delivery_line_delivery ON delivery_line (deliveryID);
                -- Damaged parts wait here for their return to the supplier: the same bin in every store.
                INSERT OR IGNORE INTO bin (code, label) VALUES ('QUARANTINE', '隔离区 damaged, not for issue');
                CREATE TRIGGER purchase_order_change_insert AFTER INSERT ON purchase_order
                BEGIN
                  DELETE FROM hub_change WHERE entity = 'purchaseOrder' AND key = NEW.number;
                  INSERT INTO hub_change (entity, key, deleted) VALUES ('purchaseOrder', NEW.number, 0);
                END;
                CREATE TRIGGER purchase_order_change_update AFTER UPDATE ON purchase_order
                BEGIN
                  DELETE FROM hub_change WHERE entity = 'purchaseOrder' AND key = NEW.number;
                  INSERT INTO hub_change (entity, key, deleted) VALUES ('purchaseOrder', NEW.number, 0);
                END;
                -- A delivery travels once it is closed: to the hub, and from it to the other counters.
                CREATE TRIGGER delivery_change AFTER UPDATE OF closedAt ON delivery WHEN NEW.closedAt IS NOT NULL AND OLD.closedAt IS NULL
                BEGIN
                  INSERT OR IGNORE INTO hub_change (entity, key, deleted) VALUES ('delivery', \(Self.uuidText("NEW.id")), 0);
                END;
                CREATE TRIGGER delivery_change_learned AFTER INSERT ON delivery WHEN NEW.closedAt IS NOT NULL
                BEGIN
                  INSERT OR IGNORE INTO hub_change (entity, key, deleted) VALUES ('delivery', \(Self.uuidText("NEW.id")), 0);
                END;
                CREATE TRIGGER delivery_outbox AFTER UPDATE OF closedAt ON delivery
                WHEN NEW.closedAt IS NOT NULL AND OLD.closedAt IS NULL
                  AND EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_outbox') AND NOT EXISTS (SELECT 1 FROM kiosk_meta WHERE name = 'sync_applying')
                BEGIN
                  INSERT OR IGNORE INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                  VALUES (NEW.id, 'purchase.delivery', hex(NEW.id), \(HybridTimestamp.nextSQL), NEW.closedAt);
                END;
                """)
        }
        migrator.registerMigration("v28-part-reorder") { db in
            // Who a part is ordered from, in what packs, and up to how many: reorder suggestions.
            try db.alter(table: "part") { t in
                t.add(column: "supplier", .text)
                t.add(column: "packSize", .integer).notNull().defaults(to: 1)
                t.add(column: "reorderTarget", .integer).notNull().defaults(to: 0)
            }
            // An order the store makes goes upstream (its ERP), with its lines.
            try db.execute(sql: """
                CREATE TRIGGER purchase_order_upstream AFTER INSERT ON purchase_order WHEN EXISTS (SELECT 1 FROM webhook_endpoint)
                BEGIN
                  INSERT OR IGNORE INTO upstream_event (id, type, subject, time, data) VALUES (
                    'purchase-order-' || NEW.number || '-created', 'cn.kioskd.purchase.order_created', NEW.number, NEW.createdAt,
                    json_object('order', NEW.number, 'supplier', NEW.supplier, 'expectedOn', NEW.expectedOn, 'createdBy', NEW.createdBy,
                                'at', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.createdAt), 'lines', json(NEW.lines)));
                END;
                """)
        }
        migrator.registerMigration("v29-supplier-returns") { db in
            // Parts sent back to the supplier: the movement out, who to, why, and against which order.
            try db.execute(sql: """
                CREATE TABLE supplier_return (
                  movementKey BLOB PRIMARY KEY,
                  supplier TEXT NOT NULL,
                  orderNumber TEXT,
                  partNumber TEXT NOT NULL,
                  quantity INTEGER NOT NULL,
                  fromBin TEXT NOT NULL,
                  reason TEXT NOT NULL,
                  at DATETIME NOT NULL,
                  actor TEXT NOT NULL);
                CREATE TRIGGER supplier_return_upstream AFTER INSERT ON supplier_return WHEN EXISTS (SELECT 1 FROM webhook_endpoint)
                BEGIN
                  INSERT OR IGNORE INTO upstream_event (id, type, subject, time, data) VALUES (
                    'supplier-return-' || lower(hex(NEW.movementKey)), 'cn.kioskd.purchase.returned_to_supplier', NEW.partNumber, NEW.at,
                    json_object('supplier', NEW.supplier, 'order', NEW.orderNumber, 'partNumber', NEW.partNumber, 'quantity', NEW.quantity,
                                'fromBin', NEW.fromBin, 'reason', NEW.reason, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.at)));
                END;
                """)
        }
        migrator.registerMigration("v30-requested-parts") { db in
            // The parts each parts request names, one row per request and part, kept by
            // triggers from `parts_request.parts` (the JSON stays the record). Every part scan
            // asks whether an open request names the part: by this index, one probe; before,
            // json_each over every open request's JSON (50 open requests of five parts: 0.2 ms
            // more per scan, growing with every request). JSON that is not valid names no part.
            // The rows `row` names, read from `tables` (the trigger's NEW, or every request).
            func partsOf(_ row: String, from tables: String = "") -> String { """
                SELECT \(row).id, json_extract(value, '$.partNumber')
                FROM \(tables)json_each(CASE WHEN json_valid(\(row).parts) THEN \(row).parts ELSE '[]' END)
                WHERE json_extract(value, '$.partNumber') IS NOT NULL
                """ }
            try db.execute(sql: """
                CREATE TABLE parts_request_part (
                  partNumber TEXT NOT NULL,
                  requestID BLOB NOT NULL,
                  PRIMARY KEY (partNumber, requestID)) WITHOUT ROWID;
                CREATE INDEX parts_request_part_request ON parts_request_part (requestID);
                INSERT OR IGNORE INTO parts_request_part (requestID, partNumber) \(partsOf("parts_request", from: "parts_request, "));
                CREATE TRIGGER parts_request_part_insert AFTER INSERT ON parts_request
                BEGIN
                  INSERT OR IGNORE INTO parts_request_part (requestID, partNumber) \(partsOf("NEW"));
                END;
                CREATE TRIGGER parts_request_part_update AFTER UPDATE OF parts ON parts_request
                BEGIN
                  DELETE FROM parts_request_part WHERE requestID = OLD.id;
                  INSERT OR IGNORE INTO parts_request_part (requestID, partNumber) \(partsOf("NEW"));
                END;
                CREATE TRIGGER parts_request_part_delete AFTER DELETE ON parts_request
                BEGIN
                  DELETE FROM parts_request_part WHERE requestID = OLD.id;
                END;
                """)
        }
        migrator.registerMigration("v31-device-bay") { db in
            // The bay a bay device serves, fixed by the hub when it makes the device's code
            // (`hub enrol … --role bay --bay BAY-1`): its buttons' moves are accepted for the
            // job at that bay only. A bay device enrolled before has none, and its buttons'
            // moves are refused until it is enrolled again with its bay.
            try db.alter(table: "hub_enrolment") { t in t.add(column: "bay", .text) }
            try db.alter(table: "hub_device") { t in t.add(column: "bay", .text) }
        }
        return migrator
    }

    /// Rebuilds `table` with its `INTEGER PRIMARY KEY AUTOINCREMENT` as a plain rowid key, the
    /// SQLite way (new table, copy, drop, rename), then its indexes and triggers as they were.
    /// Nothing happens to a table without AUTOINCREMENT.
    static func rebuildWithoutAutoincrement(_ table: String, in db: Database) throws {
        let objects = try String.fetchAll(db, sql: """
            SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL
            """, arguments: [table])
        guard let create = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table]),
              create.contains("AUTOINCREMENT") else { return }
        let rebuilt = create
            .replacingOccurrences(of: "PRIMARY KEY AUTOINCREMENT", with: "PRIMARY KEY")
            .replacingOccurrences(of: "CREATE TABLE \"\(table)\"", with: "CREATE TABLE \"\(table)_rebuilt\"")
        try db.execute(sql: rebuilt)
        try db.execute(sql: "INSERT INTO \(table)_rebuilt SELECT * FROM \(table)")
        try db.execute(sql: "DROP TABLE \(table)")
        try db.execute(sql: "ALTER TABLE \(table)_rebuilt RENAME TO \(table)")
        for sql in objects { try db.execute(sql: sql) }
    }
}
