import Foundation
import GRDB

/// What a service advisor fills in to open a work order.
public struct WorkOrderDraft: Sendable, Hashable {
    public var ticketCode: String?
    public var plate: String
    public var vin: String
    public var customerPhone: String
    public var services: [ServiceItem]
    public var promisedAt: Date?
    public var bay: String?

    public init(ticketCode: String? = nil, plate: String, vin: String, customerPhone: String,
                services: [ServiceItem] = [], promisedAt: Date? = nil, bay: String? = nil) {
        self.ticketCode = ticketCode
        self.plate = plate
        self.vin = vin
        self.customerPhone = customerPhone
        self.services = services
        self.promisedAt = promisedAt
        self.bay = bay
    }
}

/// Work orders, job states, technicians' clocks, parts requests and appointments.
/// Every change is one transaction with the facts it records (transitions, events).
public struct Workshop: Sendable {
    let database: KioskDatabase

    // MARK: Opening

    /// Opens a work order in state checked in. A ticket code is made up when none is given.
    public func open(_ draft: WorkOrderDraft, actor: String, at time: Date = Date()) throws -> WorkOrder {
        try database.pool.write { try Self.open(draft, actor: actor, at: time, in: $0) }
    }

    static func open(_ draft: WorkOrderDraft, actor: String, at time: Date, in db: Database) throws -> WorkOrder {
        let plate = draft.plate.trimmingCharacters(in: .whitespaces)
        guard plate.count >= 5 else { throw WorkshopError.invalidField("plate 车牌号", "\"\(draft.plate)\" is too short") }
        guard !draft.customerPhone.isEmpty, draft.customerPhone.allSatisfy({ $0.isNumber || $0 == "+" }) else {
            throw WorkshopError.invalidField("phone 手机号", "\"\(draft.customerPhone)\" must be digits")
        }
        let vin: String
        do { vin = try VIN.parse(draft.vin).text } catch { throw WorkshopError.invalidField("VIN 车架号", error.description) }
        let ticket = try draft.ticketCode ?? nextTicketCode(at: time, in: db)
        if try WorkOrder.exists(db, key: ticket) { throw WorkshopError.duplicateTicket(ticket) }
        let order = WorkOrder(ticketCode: ticket, publicToken: Self.makePublicToken(), plate: plate, vin: vin,
                              customerPhone: draft.customerPhone, services: draft.services, promisedAt: draft.promisedAt,
                              bay: draft.bay, state: .checkedIn, stateSince: time, openedAt: time)
        try order.insertSealed(db)
        try JobTransition(id: UUID(), ticketCode: ticket, fromState: nil, toState: .checkedIn, actor: actor,
                          bay: draft.bay, at: time, reason: nil).insert(db)
        return order
    }

    /// `WO` + date + a number for the day: `WO20261125-003`.
    static func nextTicketCode(at time: Date, in db: Database) throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let c = calendar.dateComponents([.year, .month, .day], from: time)
        let prefix = String(format: "WO%04d%02d%02d-", c.year!, c.month!, c.day!)
        // The highest number of the day, not the count: a ticket typed by hand (WO…-005) must not
        // be made again when the count reaches it.
        let highest = try Int.fetchOne(db, sql: """
            SELECT MAX(CAST(substr(ticketCode, ?) AS INTEGER)) FROM work_order WHERE ticketCode LIKE ?
            """, arguments: [prefix.count + 1, prefix + "%"]) ?? 0
        return prefix + String(format: "%03d", highest + 1)
    }

    /// 26 characters of base32 from 128 random bits (the system's CSPRNG).
    static func makePublicToken() -> String {
        let alphabet = Array(publicTokenAlphabet)
        var generator = SystemRandomNumberGenerator()
        return String((0..<26).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    /// The characters of a phone link: lower-case letters and digits, without the ones read
    /// alike (l, o, 0, 1).
    static let publicTokenAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

    /// Whether `token` has the form of the links ``makePublicToken()`` makes: a device's choice
    /// of a short or patterned link is refused at the hub.
    static func isPublicToken(_ token: String) -> Bool {
        token.count >= 20 && token.allSatisfy(publicTokenAlphabet.contains)
    }

    // MARK: States

    /// Moves a job to `state`. The transition `id` makes it idempotent: applying the same id
    /// again changes nothing and returns the order as it is.
    @discardableResult
    /// `proofKey`: the signed-in actor's PIN key (``StaffAccess/proofKey(token:)``); the move
    /// then carries their ``PINProof`` for the hub.
    public func transition(_ ticket: String, to state: JobState, actor: String, bay: String? = nil, reason: String? = nil,
                           parts: [RequestedPart] = [], id: UUID = UUID(), at time: Date = Date(), proofKey: Data? = nil) throws -> WorkOrder {
        try database.pool.write {
            try Self.transition(ticket, to: state, actor: actor, bay: bay, reason: reason, parts: parts, id: id, at: time, proofKey: proofKey, in: $0)
        }
    }

    /// The bay's "next" button: the next state on the main path.
    @discardableResult
    public func advance(_ ticket: String, actor: String, bay: String? = nil, id: UUID = UUID(), at time: Date = Date(),
                        proofKey: Data? = nil) throws -> WorkOrder {
        try database.pool.write { db in
            guard let order = try WorkOrder.fetchOne(db, key: ticket) else { throw WorkshopError.unknownWorkOrder(ticket) }
            guard let next = order.state.advance else { throw WorkshopError.illegalTransition(from: order.state, to: .delivered) }
            return try Self.transition(ticket, to: next, actor: actor, bay: bay, reason: nil, parts: [], id: id, at: time, proofKey: proofKey, in: db)
        }
    }

    static func transition(_ ticket: String, to state: JobState, actor: String, bay: String?, reason: String?,
                           parts: [RequestedPart], id: UUID, at time: Date, proofKey: Data? = nil, in db: Database) throws -> WorkOrder {
        guard var order = try WorkOrder.fetchOne(db, key: ticket) else { throw WorkshopError.unknownWorkOrder(ticket) }
        if try JobTransition.exists(db, key: id) { return order }
        try order.state.check(to: state, reason: reason)
        var transition = JobTransition(id: id, ticketCode: ticket, fromState: order.state, toState: state, actor: actor,
                                       bay: bay ?? order.bay, at: time, reason: reason)
        if let proofKey { transition.proof = PINProof.sign(transition, key: proofKey) }
        try transition.insert(db)
        order.state = state
        order.stateSince = time
        if let bay { order.bay = bay }
        try order.update(db)
        switch state {
        case .waitingParts where !parts.isEmpty:
            try raise(PartsRequest(id: UUID(), ticketCode: ticket, bay: order.bay, parts: parts, raisedAt: time, clearedAt: nil), in: db)
        case .ready:
            try WorkshopEvent.record(.pickupNotice, of: id, ticketCode: ticket, at: time, in: db)
        case .delivered, .cancelled:
            // Closing a job clocks everyone off it, and closes what it still waited for: parts
            // that come in are for the jobs still open.
            try db.execute(sql: "UPDATE job_clock SET offAt = ? WHERE ticketCode = ? AND offAt IS NULL", arguments: [time, ticket])
            try db.execute(sql: "UPDATE parts_request SET clearedAt = ? WHERE ticketCode = ? AND clearedAt IS NULL", arguments: [time, ticket])
        default:
            break
        }
        return order
    }

    // MARK: Technicians

    /// Adds a person to the staff list, or renames them (and sets the PIN when one is given).
    /// An existing person keeps their role: roles change only through ``StaffAccess/setRole(badge:to:actor:at:)``,
    /// which is audited.
    public func save(_ technician: Technician) throws {
        try database.pool.write { db in
            if var existing = try Technician.fetchOne(db, key: technician.badge) {
                existing.name = technician.name
                existing.pinHash = technician.pinHash ?? existing.pinHash
                try existing.update(db)
            } else {
                var new = technician
                new.role = .technician
                try new.insert(db)
            }
        }
    }

    /// Clocks a technician onto a job (off any other job first).
    @discardableResult
    public func clockOn(badge: String, ticket: String, bay: String?, at time: Date = Date()) throws -> JobClock {
        try database.pool.write { db in
            guard try Technician.exists(db, key: badge) else { throw WorkshopError.unknownTechnician(badge) }
            guard let order = try WorkOrder.fetchOne(db, key: ticket) else { throw WorkshopError.unknownWorkOrder(ticket) }
            guard order.state.isOpen else { throw WorkshopError.illegalTransition(from: order.state, to: order.state) }
            try Self.clockOff(badge: badge, at: time, in: db)
            let clock = JobClock(id: UUID(), ticketCode: ticket, badge: badge, bay: bay ?? order.bay, onAt: time, offAt: nil)
            try clock.insert(db)
            return clock
        }
    }

    /// Clocks a technician off whatever job they are on.
    public func clockOff(badge: String, at time: Date = Date()) throws {
        try database.pool.write { db in
            guard try Self.clockOff(badge: badge, at: time, in: db) else { throw WorkshopError.notClockedOn(badge: badge) }
        }
    }

    /// Ends every open clock of a badge; `false` if it was not clocked on.
    @discardableResult
    static func clockOff(badge: String, at time: Date, in db: Database) throws -> Bool {
        try db.execute(sql: "UPDATE job_clock SET offAt = ? WHERE badge = ? AND offAt IS NULL", arguments: [time, badge])
        return db.changesCount > 0
    }

    // MARK: Parts requests

    /// Raises a parts request for a job without changing its state.
    public func requestParts(_ ticket: String, bay: String?, parts: [RequestedPart], at time: Date = Date()) throws -> PartsRequest {
        try database.pool.write { db in try Self.requestParts(ticket, bay: bay, parts: parts, at: time, in: db) }
    }

    @discardableResult
    static func requestParts(_ ticket: String, bay: String?, parts: [RequestedPart], at time: Date, in db: Database) throws -> PartsRequest {
        guard let order = try WorkOrder.fetchOne(db, key: ticket) else { throw WorkshopError.unknownWorkOrder(ticket) }
        let request = PartsRequest(id: UUID(), ticketCode: ticket, bay: bay ?? order.bay, parts: parts, raisedAt: time, clearedAt: nil)
        try raise(request, in: db)
        return request
    }

    /// Records a parts request and the event that tells the counter (and upstream) of it: on
    /// the bay that raised it, and at the hub when the bay's request arrives there, under the
    /// same ids.
    static func raise(_ request: PartsRequest, in db: Database) throws {
        if let problem = PartsRequest.problem(request.parts) { throw WorkshopError.invalidField("parts 待料", problem) }
        try request.insert(db)
        try WorkshopEvent.record(.partsRequested, of: request.id, ticketCode: request.ticketCode, at: request.raisedAt, in: db)
    }

    /// Clears the open parts requests of a work order whose parts have all been issued to it
    /// since the request was raised. Called in the transaction of every issue movement.
    static func clearSatisfiedRequests(workOrder: String, at time: Date, in db: Database) throws {
        let open = try PartsRequest.fetchAll(db.cachedStatement(sql: "SELECT * FROM parts_request WHERE ticketCode = ? AND clearedAt IS NULL"),
                                             arguments: [workOrder])
        for var request in open {
            let satisfied = try request.parts.allSatisfy { try stillHeld($0.partNumber, by: request, in: db) == 0 }
            if satisfied {
                request.clearedAt = time
                try request.update(db)
                // The deciding store's to announce (a board that syncs pulls it from its hub).
                if try movesJobsForParts(in: db) {
                    try WorkshopEvent.record(.partsRequestCleared, of: request.id, ticketCode: workOrder, at: time, in: db)
                }
            }
        }
    }

    /// The state a job leaves waiting-parts for when everything it waited for has arrived.
    public static let stateAfterPartsArrive = JobState.repairing
    static let arrivalReason = "配件已到 / the parts it waited for arrived"

    /// Whether the job's newest move is the one its parts' arrival made (at `time` or later,
    /// to the store's millisecond), so that taking the arrival back, or telling the clerk, is
    /// about that move and not one a person made since.
    static func lastMoveWasArrival(of ticket: String, since time: Date, in db: Database) throws -> Bool {
        let last = try JobTransition.fetchOne(db.cachedStatement(sql: "SELECT * FROM job_transition WHERE ticketCode = ? ORDER BY at DESC, rowid DESC LIMIT 1"),
                                              arguments: [ticket])
        return last.map { $0.reason == arrivalReason && $0.toState == stateAfterPartsArrive && $0.at.timeIntervalSince(time) > -0.001 } ?? false
    }

    /// How many of `part` a request still waits for or holds: what it asked for, less what was
    /// issued to its job since it was raised. 0 for every part: the request is met.
    static func stillHeld(_ part: String, by request: PartsRequest, in db: Database) throws -> Int {
        let asked = request.parts.filter { $0.partNumber == part }.reduce(0) { $0 + $1.quantity }
        let issued = try Int.fetchOne(db.cachedStatement(sql: """
            SELECT COALESCE(SUM(CASE WHEN kind = 'issue' THEN quantity
                                     WHEN kind = 'reversal' AND toBin IS NOT NULL THEN -quantity -- an undone issue
                                     ELSE 0 END), 0)
            FROM stock_movement WHERE workOrder = ? AND partNumber = ? AND recordedAt >= ?
            """), arguments: [request.ticketCode, part, request.raisedAt]) ?? 0
        return max(0, asked - issued)
    }

    /// Whether this store moves a job on its own when its parts arrive (or go again): a store
    /// that does not sync, and a hub, which decides for the boards that sync with it (they
    /// pull the job's new state). A board that syncs shows the arrival and leaves the move to
    /// its hub: the hub takes job moves from boards only from people who signed in with their
    /// PIN, and it sees every counter's stock.
    static func movesJobsForParts(in db: Database) throws -> Bool {
        if try KioskMeta.value("sync_outbox", in: db) == nil { return true }
        return try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM hub_device)")) ?? false
    }

    /// Marks the requests whose parts are now all in stock as arrived, oldest request first,
    /// after stock of `partNumber` came in (a receipt, a return, an undone issue, a count), in
    /// that movement's transaction. Stock that requests which arrived earlier still count on is
    /// kept for them. A job in waiting-parts whose every open request has arrived moves on
    /// (``stateAfterPartsArrive``), so the bay's lamp, the lobby and the phone follow without
    /// anyone walking across; not on a board that syncs (``movesJobsForParts(in:)``).
    @discardableResult
    static func noteArrivals(of partNumber: String, actor: String, at time: Date, printsSlips: Bool = true, in db: Database) throws -> [String] {
        // Most receipts are of parts no job waits for: one indexed look-up says so before
        // every open request is read and decoded.
        let awaited = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM parts_request_part named JOIN parts_request ON parts_request.id = named.requestID
                           WHERE named.partNumber = ? AND clearedAt IS NULL AND arrivedAt IS NULL)
            """), arguments: [partNumber]) ?? false
        guard awaited else { return [] }
        let open = try PartsRequest.fetchAll(db.cachedStatement(sql: "SELECT * FROM parts_request WHERE clearedAt IS NULL ORDER BY raisedAt, rowid"))
        // A call with no parts named (the bay's parts button) waits for someone, not for stock.
        let waiting = open.filter { $0.arrivedAt == nil && !$0.parts.isEmpty }
        guard waiting.contains(where: { $0.parts.contains { $0.partNumber == partNumber } }) else { return [] }
        // What is on hand for waiting requests: the stock less what arrived requests still hold.
        var available: [String: Int] = [:]
        func free(_ part: String) throws -> Int {
            if let known = available[part] { return known }
            var held = 0
            for request in open where request.arrivedAt != nil { held += try stillHeld(part, by: request, in: db) }
            let free = try StockLedger.onHand(of: part, in: db) - held
            available[part] = free
            return free
        }
        var arrived: [String] = []
        let decides = try movesJobsForParts(in: db)
        for var request in waiting {
            let needed = Dictionary(request.parts.map { ($0.partNumber, $0.quantity) }, uniquingKeysWith: +)
            guard try needed.allSatisfy({ try free($0.key) >= $0.value }) else { continue }
            for (part, quantity) in needed { available[part, default: 0] -= quantity }
            request.arrivedAt = time
            try request.update(db)
            // Recorded where arrivals are decided (a board that syncs shows the arrival and pulls
            // the hub's event), so that each arrival is one event under one id everywhere.
            let event = decides ? try WorkshopEvent.record(.partsArrived, of: request.id, ticketCode: request.ticketCode, at: time, repeatable: true, in: db) : nil
            arrived.append(request.ticketCode)
            // A slip to go with the parts, on the receipt printer of the store where they came
            // in (a hub applying a counter's receipt leaves it to that counter).
            if printsSlips, let printer = try KioskMeta.value("slip_printer", in: db) {
                var job = PrintJob(key: UUID(), printer: printer, kind: .partsArrival, subjects: [request.id.uuidString], requestedBy: actor, at: time)
                try job.insert(db)
            }
            // A call with no parts named (the bay's parts button) is not stock the job waits for.
            let stillWaiting = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM parts_request WHERE ticketCode = ? AND clearedAt IS NULL AND arrivedAt IS NULL AND json_array_length(parts) > 0
                """, arguments: [request.ticketCode]) ?? 0
            if stillWaiting == 0, let event, let order = try WorkOrder.fetchOne(db, key: request.ticketCode), order.state == .waitingParts {
                // Never before the job entered waiting-parts (a movement recorded earlier and
                // applied late, at a hub). The move's id follows from the arrival's, so that a
                // store above the hub (head office, a ledger rebuild) makes the same move once.
                _ = try transition(request.ticketCode, to: stateAfterPartsArrive, actor: actor, bay: nil,
                                   reason: arrivalReason, parts: [], id: WorkshopEvent.nameBasedUUID("kioskd job move v1/parts arrived", subject: event),
                                   at: max(time, order.stateSince), in: db)
            }
        }
        return arrived
    }

    /// After stock of `partNumber` went out (an issue to another job, an undone receipt, a
    /// negative adjustment), in that movement's transaction: the requests that arrived but are
    /// no longer covered lose their arrival, latest arrival first, and a job that its arrival
    /// moved on, and that nothing has moved since, goes back to waiting-parts.
    @discardableResult
    static func withdrawArrivals(of partNumber: String, actor: String, at time: Date, in db: Database) throws -> [String] {
        let arrived = try PartsRequest.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM parts_request WHERE clearedAt IS NULL AND arrivedAt IS NOT NULL ORDER BY arrivedAt, raisedAt, rowid
            """)).filter { $0.parts.contains { $0.partNumber == partNumber } }
        guard !arrived.isEmpty else { return [] }
        var onHand = try StockLedger.onHand(of: partNumber, in: db)
        var withdrawn: [String] = []
        let decides = try movesJobsForParts(in: db)
        for var request in arrived {
            let held = try stillHeld(partNumber, by: request, in: db)
            if onHand >= held { onHand -= held; continue }
            request.arrivedAt = nil
            try request.update(db)
            withdrawn.append(request.ticketCode)
            guard decides else { continue }
            let event = try WorkshopEvent.record(.partsArrivalUndone, of: request.id, ticketCode: request.ticketCode, at: time, repeatable: true, in: db)
            if try lastMoveWasArrival(of: request.ticketCode, since: .distantPast, in: db),
               let order = try WorkOrder.fetchOne(db, key: request.ticketCode), order.state == stateAfterPartsArrive {
                _ = try transition(request.ticketCode, to: .waitingParts, actor: actor, bay: nil,
                                   reason: "配件已不在，继续待料 / the parts went again: waiting for parts again",
                                   parts: [], id: WorkshopEvent.nameBasedUUID("kioskd job move v1/parts went", subject: event),
                                   at: max(time, order.stateSince), in: db)
            }
        }
        return withdrawn
    }

    // MARK: Appointments

    public func save(_ appointment: Appointment) throws {
        try database.pool.write { db in
            try appointment.upsert(db)
            try appointment.sealCustomer(db)
        }
    }

    /// The lobby scanned an appointment's QR code: open its work order (once).
    public func checkIn(appointment code: String, actor: String, bay: String? = nil, at time: Date = Date()) throws -> WorkOrder {
        try database.pool.write { try Self.checkIn(appointment: code, actor: actor, bay: bay, at: time, in: $0) }
    }

    static func checkIn(appointment code: String, actor: String, bay: String?, at time: Date, in db: Database) throws -> WorkOrder {
        guard var appointment = try Appointment.fetchOne(db, key: code) else { throw WorkshopError.unknownAppointment(code) }
        if let ticket = appointment.ticketCode { throw WorkshopError.appointmentAlreadyUsed(code, ticket: ticket) }
        let order = try Self.open(WorkOrderDraft(plate: appointment.plate, vin: appointment.vin, customerPhone: appointment.customerPhone,
                                                 services: appointment.services, promisedAt: appointment.promisedAt, bay: bay),
                                  actor: actor, at: time, in: db)
        appointment.ticketCode = order.ticketCode
        try appointment.update(db)
        return order
    }

    // MARK: Check-in by VIN

    /// What scanning a VIN at the service desk did.
    public struct VINCheckIn: Sendable, Hashable {
        public var order: WorkOrder
        /// `false`: the vehicle already had an open work order, which was found, not opened again.
        public var opened: Bool
        /// The vehicle's earlier work orders on this device, newest first.
        public var history: [WorkOrder]
    }

    /// The service desk scanned a VIN: finds the vehicle's open work order, or opens one for
    /// the vehicle and its customer. A returning vehicle's customer (phone, plate) comes from
    /// its last work order unless given; a vehicle never seen needs both.
    public func checkIn(vin: VIN, phone: String? = nil, plate: String? = nil, services: [ServiceItem] = [], bay: String? = nil,
                        actor: String, at time: Date = Date()) throws -> VINCheckIn {
        try database.pool.write { try Self.checkIn(vin: vin, phone: phone, plate: plate, services: services, bay: bay, actor: actor, at: time, in: $0) }
    }

    static func checkIn(vin: VIN, phone: String?, plate: String?, services: [ServiceItem], bay: String?,
                        actor: String, at time: Date, in db: Database) throws -> VINCheckIn {
        let orders = try WorkOrder.filter(SealedCustomer.vinMatches(vin.text)).order(Column("openedAt").desc).fetchAll(db)
        let closed: Set<JobState> = [.delivered, .cancelled]
        let history = orders.filter { closed.contains($0.state) }
        if let open = orders.first(where: { !closed.contains($0.state) }) {
            return VINCheckIn(order: open, opened: false, history: history)
        }
        guard let phone = phone ?? orders.first?.customerPhone, let plate = plate ?? orders.first?.plate else {
            throw WorkshopError.newVehicle(vin.text)
        }
        let order = try open(WorkOrderDraft(plate: plate, vin: vin.text, customerPhone: phone, services: services, bay: bay),
                             actor: actor, at: time, in: db)
        return VINCheckIn(order: order, opened: true, history: history)
    }

    /// A vehicle's work orders on this device, newest first.
    public func orders(vin: String) throws -> [WorkOrder] {
        try database.pool.read { try WorkOrder.filter(SealedCustomer.vinMatches(vin)).order(Column("openedAt").desc).fetchAll($0) }
    }

    /// A customer's work orders on this device by phone number, newest first: found through
    /// the keyed hash, so the store never compares plain phone numbers.
    public func orders(phone: String) throws -> [WorkOrder] {
        try database.pool.read { try WorkOrder.filter(SealedCustomer.phoneMatches(phone)).order(Column("openedAt").desc).fetchAll($0) }
    }

    /// A badge scanned at a bay: clocks the technician onto the bay's current job, or off it
    /// when they are already on it. Returns what to tell the technician.
    static func toggleClock(badge: String, bay: String, at time: Date, in db: Database) throws -> String {
        guard let technician = try Technician.fetchOne(db, key: badge) else { throw WorkshopError.unknownTechnician(badge) }
        guard let job = try currentJob(atBay: bay, in: db) else { throw WorkshopError.noJobAtBay(bay) }
        let onThisJob = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job_clock WHERE badge = ? AND ticketCode = ? AND offAt IS NULL",
                                         arguments: [badge, job.ticketCode]) ?? 0
        try Self.clockOff(badge: badge, at: time, in: db)
        if onThisJob > 0 {
            return "下工 \(technician.name) 离开 \(job.ticketCode) / \(badge) clocked off \(job.ticketCode)"
        }
        try JobClock(id: UUID(), ticketCode: job.ticketCode, badge: badge, bay: bay, onAt: time, offAt: nil).insert(db)
        return "上工 \(technician.name) → \(job.ticketCode) \(job.plate) / \(badge) clocked on \(job.ticketCode)"
    }

    /// Refuses a work order that does not exist here, or is delivered or cancelled: parts are
    /// issued to and returned from open jobs only.
    static func requireOpenOrder(_ ticket: String, in db: Database) throws(WorkshopError) {
        let job = try requireOrder(ticket, in: db)
        guard job.isOpen else { throw .workOrderClosed(ticket, state: job) }
    }

    /// The state of a work order known here; refuses an unknown one. Parts come back from
    /// delivered and cancelled jobs too (what was not used).
    @discardableResult
    static func requireOrder(_ ticket: String, in db: Database) throws(WorkshopError) -> JobState {
        let state: String?
        do {
            state = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM work_order WHERE ticketCode = ?"), arguments: [ticket])
        } catch { throw .unknownWorkOrder(ticket) }
        guard let state, let job = JobState(rawValue: state) else { throw .unknownWorkOrder(ticket) }
        return job
    }

    // MARK: Queries

    public func order(_ ticket: String) throws -> WorkOrder? {
        try database.pool.read { try WorkOrder.fetchOne($0, key: ticket) }
    }

    public func order(publicToken: String) throws -> WorkOrder? {
        try database.pool.read { try WorkOrder.filter(Column("publicToken") == publicToken).fetchOne($0) }
    }

    /// Open jobs, oldest first; at one bay when `bay` is given.
    public func openOrders(bay: String? = nil) throws -> [WorkOrder] {
        try database.pool.read { db in
            var request = WorkOrder.filter(![JobState.delivered.rawValue, JobState.cancelled.rawValue].contains(Column("state")))
            if let bay { request = request.filter(Column("bay") == bay) }
            return try request.order(Column("openedAt")).fetchAll(db)
        }
    }

    /// The state of the bay's current job, `nil` without one: read through GRDB's async
    /// API, on a reader of its own (the stack light asks at every workshop change). Only the
    /// state is read: the customer's sealed fields stay sealed.
    public func currentJobState(atBay bay: String) async throws -> JobState? {
        try await database.pool.read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM work_order WHERE \(Self.currentJobAtBay)"), arguments: [bay])
                .flatMap(JobState.init(rawValue:))
        }
    }

    /// The job a bay shows: of the open jobs at the bay, the one whose state changed last.
    public func currentJob(atBay bay: String) throws -> WorkOrder? {
        try database.pool.read { try Self.currentJob(atBay: bay, in: $0) }
    }

    static func currentJob(atBay bay: String, in db: Database) throws -> WorkOrder? {
        try WorkOrder.fetchOne(db.cachedStatement(sql: "SELECT *, \(SealedCustomer.openSQL) FROM work_order WHERE \(currentJobAtBay)"),
                               arguments: [bay])
    }

    /// Which of a bay's jobs it shows (the bay is the one argument).
    private static let currentJobAtBay = "bay = ? AND state NOT IN ('delivered', 'cancelled') ORDER BY stateSince DESC LIMIT 1"

    public func transitions(of ticket: String) throws -> [JobTransition] {
        try database.pool.read { try JobTransition.filter(Column("ticketCode") == ticket).order(Column("at")).fetchAll($0) }
    }

    public func openPartsRequests() throws -> [PartsRequest] {
        try database.pool.read { try PartsRequest.filter(Column("clearedAt") == nil).order(Column("raisedAt")).fetchAll($0) }
    }

    public func events(kind: WorkshopEvent.Kind? = nil) throws -> [WorkshopEvent] {
        try database.pool.read { db in
            var request = WorkshopEvent.all()
            if let kind { request = request.filter(Column("kind") == kind.rawValue) }
            return try request.order(Column("at")).fetchAll(db)
        }
    }

    /// Everything the reports need for jobs opened in a window.
    public func history(from start: Date, to end: Date) throws -> WorkshopHistory {
        try database.pool.read { db in
            let orders = try WorkOrder.filter(Column("openedAt") < end).fetchAll(db)
            let tickets = orders.map(\.ticketCode)
            return WorkshopHistory(
                orders: orders,
                transitions: try JobTransition.filter(tickets.contains(Column("ticketCode"))).order(Column.rowID).fetchAll(db),
                clocks: try JobClock.filter(tickets.contains(Column("ticketCode"))).fetchAll(db),
                window: DateInterval(start: start, end: end))
        }
    }
}

extension KioskDatabase {
    /// Work orders at the bays.
    public var workshop: Workshop { Workshop(database: self) }
}
