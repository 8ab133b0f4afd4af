// libFuzzer target for the body of POST /api/v1/sync/push: the fuzz bytes are the body, read
// with the hub's JSONDecoder (KioskRequestContext.requestDecoder: ISO 8601 dates, WireDate). Whatever
// arrives, reading it never crashes; for every body that reads as a PushRequest:
// - it survives the way back and forth: the device's encoder (SyncClient.encoder) and the hub's
//   sorted one, read again by the hub, give the same push (but for dates finer than the
//   millisecond the wire and the store keep);
// - each event survives the plain JSONEncoder/JSONDecoder the hub stores it with (hub_fact
//   bodies read back by the outbox, the PostgreSQL ledger's event bodies);
// - the hub's checks that need no database hold: the movement draft the hub records
//   (Hub.apply) is the pushed movement field for field, the event's shape check and the
//   draft's (validate) never trap, and what passes it moves stock as its kind says; a job move's legality check; a
//   work order's customer data sealed for the way opens to itself, and sealed text that was
//   not sealed with the key is refused, never a crash; the hybrid clock splits and joins.

import Foundation
import KioskCore

/// KioskRequestContext.requestDecoder (KioskWeb).
let hubDecoder: JSONDecoder = {
    let d = JSONDecoder()
    d.dateDecodingStrategy = WireDate.decoding
    return d
}()
/// SyncClient.encoder (Sync): how a device writes the push.
let deviceEncoder: JSONEncoder = {
    let e = JSONEncoder()
    e.dateEncodingStrategy = WireDate.encoding
    return e
}()
/// JSONEncoder.sorted (KioskWeb): the hub's answers and pages.
let sortedEncoder: JSONEncoder = {
    let e = JSONEncoder()
    e.dateEncodingStrategy = WireDate.encoding
    e.outputFormatting = [.sortedKeys]
    return e
}()
/// A device's shared key (32 bytes), for sealing and opening customer data.
let deviceKey = DeviceKey(base64: "a2lvc2tkIGZ1enogZGV2aWNlIGtleSAzMiBieXRlcyE=")!

/// FUZZ_VERBOSE=1: say what each input read as (to see that the seeds are pushes).
let verbose = getenv("FUZZ_VERBOSE") != nil

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("broken invariant: \(message())") }
}

func fuzzPushBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Data(bytes: data, count: size)
    let push: PushRequest
    do { push = try hubDecoder.decode(PushRequest.self, from: body) } catch {
        if verbose { print("not a push: \(error)") }
        return 0
    }
    if verbose { print("a push of \(push.events.count) events: \(push.events.map(\.kind.rawValue))") }
    let text = String(decoding: body, as: UTF8.self)
    // The hub reads dates with any fraction of a second (and any UTC offset), and every encoder
    // on the way writes milliseconds in UTC: the first trip may round, nothing else (the
    // pushes read again write the same text), and the second trip changes nothing.
    let written = encode(push, sortedEncoder, text)
    let back = decode(written, text)
    check(encode(back, sortedEncoder, text) == written, "push round trip: \(text) -> \(String(decoding: written, as: UTF8.self))")
    for encoder in [deviceEncoder, sortedEncoder] {
        let again = decode(encode(back, encoder, text), text)
        check(again.deviceID == back.deviceID && again.events == back.events && again.auditHead == back.auditHead,
              "push round trip: \(text) -> \(String(decoding: written, as: UTF8.self))")
    }
    _ = push.events.count <= 5000                      // the route's limit
    for event in push.events { checkEvent(event, in: text) }
    return 0
}

func encode(_ push: PushRequest, _ encoder: JSONEncoder, _ text: String) -> Data {
    do { return try encoder.encode(push) } catch { fatalError("a push the hub read does not encode (\(error)): \(text)") }
}

func decode(_ data: Data, _ text: String) -> PushRequest {
    do { return try hubDecoder.decode(PushRequest.self, from: data) } catch {
        fatalError("a push the hub wrote does not read back (\(error)): \(text) -> \(String(decoding: data, as: UTF8.self))")
    }
}

func checkEvent(_ event: SyncEvent, in text: String) {
    // Stored as it came with the plain coders (hub_fact, the PostgreSQL ledger) and read back.
    let stored: Data
    do { stored = try JSONEncoder().encode(event) } catch { fatalError("an event the hub read does not encode (\(error)): \(text)") }
    check((try? JSONDecoder().decode(SyncEvent.self, from: stored)) == event, "stored event round trip: \(text)")

    let hlc = event.hlc
    check(hlc.milliseconds << 16 | hlc.counter == hlc.rawValue && (0...0xFFFF).contains(hlc.counter), "hlc \(hlc.rawValue)")
    _ = hlc.description
    // Some role other than a store may send each kind; a store may send all.
    check(DeviceRole.store.mayPush(event.kind) && DeviceRole.allCases.contains { $0 != .store && $0.mayPush(event.kind) },
          "kind \(event.kind)")
    // An event whose shape passes carries its kind's payload and nothing else.
    if event.shapeProblem == nil {
        check((event.movement != nil) == (event.kind == .stockMovement) && (event.transition != nil) == (event.kind == .jobTransition)
              && (event.order != nil) == (event.kind == .jobOpened), "shape of \(event.kind): \(text)")
    }

    if let m = event.movement {
        // Hub.apply records this draft: nothing of the pushed movement may get lost on the way.
        let draft = MovementDraft(key: m.key, kind: m.kind, partNumber: m.partNumber, quantity: m.quantity,
                                  fromBin: m.fromBin, toBin: m.toBin, workOrder: m.workOrder, reason: m.reason,
                                  reverses: m.reverses, stocktakeID: m.stocktakeID, scanText: m.scanText,
                                  trace: m.trace, deviceID: m.deviceID, actor: m.actor, recordedAt: m.recordedAt)
        var recorded = StockMovement(draft)
        recorded.seq = m.seq
        check(recorded == m, "the hub's draft differs from the pushed movement: \(text)")
        if (try? draft.validate()) != nil {
            // What passes the shape check moves stock as its kind says.
            let q = m.quantity
            let deltas = m.deltas.map(\.delta)
            check(q > 0 && q <= MovementDraft.maximumQuantity && deltas.allSatisfy { abs($0) == q }, "deltas \(deltas) of ×\(q): \(text)")
            let net = deltas.reduce(0, +)
            switch m.kind {
            case .receive, .return, .transferIn: check(net == q && m.toBin != nil && m.fromBin == nil, "\(m.kind): \(text)")
            case .issue: check(net == -q && m.workOrder?.isEmpty == false, "issue: \(text)")
            case .transferOut: check(net == -q && m.fromBin != nil && m.toBin == nil, "transfer-out: \(text)")
            case .supplierReturn:
                check(net == -q && m.fromBin != nil && m.reason?.trimmingCharacters(in: .whitespaces).isEmpty == false,
                      "supplier-return: \(text)")
            case .transfer: check(net == 0 && m.fromBin != m.toBin, "transfer: \(text)")
            case .adjust, .count: check(abs(net) == q, "\(m.kind): \(text)")
            case .reversal: check(m.reverses != nil && (net == 0 || abs(net) == q), "reversal: \(text)")
            }
        }
    }
    if let t = event.transition {
        // The move's legality (Workshop.transition checks it against the hub's state).
        if let from = t.fromState {
            let legal = (try? from.check(to: t.toState, reason: t.reason)) != nil
            check(!legal || from.allowedNext.contains(t.toState), "transition \(from) -> \(t.toState)")
        }
        _ = t.toState.customerStage
    }
    if let order = event.order {
        if order.sealed == nil {
            // Sealed for the way (the device's outbox) and opened at the hub: the same order.
            guard let sealed = try? order.sealingCustomer(with: deviceKey) else { fatalError("an order does not seal: \(text)") }
            check(sealed.vin.isEmpty && sealed.customerPhone.isEmpty && sealed.sealed != nil, "sealed order shows customer data: \(text)")
            check((try? sealed.openingCustomer(with: deviceKey)) == order, "sealed order does not open to itself: \(text)")
        } else {
            // Not sealed with this key (or not sealed at all): refused.
            check((try? order.openingCustomer(with: deviceKey)) == nil, "a forged sealed order opened: \(text)")
        }
    }
    if let fact = event.alert {
        _ = fact.alert.message
    }
    if let fact = event.stocktake {
        _ = fact.stocktake.scopeDescription
    }
}
