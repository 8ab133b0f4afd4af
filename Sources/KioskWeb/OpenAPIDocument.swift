import Foundation
import KioskCore

/// The API's OpenAPI 3.1 description, served at `/api/v1/openapi.json`. Who may call each
/// operation comes from ``AccessPolicy``: `x-kioskd-roles`, the session cookie and CSRF header
/// as security requirements, and the 401/403 answers.
enum OpenAPIDocument {
    static let json: String = withAccessRules(base)

    static func withAccessRules(_ text: String) -> String {
        guard var document = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              var paths = document["paths"] as? [String: Any] else { preconditionFailure("the OpenAPI document is not JSON") }
        for rule in AccessPolicy.rules where !rule.isPage {
            let method = rule.method.rawValue.lowercased()
            guard var path = paths[rule.path] as? [String: Any], var operation = path[method] as? [String: Any] else { continue }
            operation["x-kioskd-roles"] = rule.access.description
            if case .staff = rule.access {
                var responses = operation["responses"] as? [String: Any] ?? [:]
                responses["401"] = ["description": "Not signed in (no session, or it expired)"]
                responses["403"] = ["description": "Signed in with a role this operation does not allow (\(rule.access))"
                                        + (rule.changesState ? ", or the X-CSRF-Token header is missing or wrong, or the request came from another origin" : "")]
                operation["responses"] = responses
                operation["security"] = rule.changesState ? [["session": [], "csrf": []]] : [["session": []]]
            }
            path[method] = operation
            paths[rule.path] = path
        }
        document["paths"] = paths
        document["webhooks"] = webhooks
        var components = document["components"] as? [String: Any] ?? [:]
        components["securitySchemes"] = [
            "session": ["type": "apiKey", "in": "cookie", "name": sessionCookie,
                        "description": "Set by POST /api/v1/session (badge + PIN); HttpOnly, SameSite=Strict, 12 hours"],
            "csrf": ["type": "apiKey", "in": "header", "name": "X-CSRF-Token", "description": "csrfToken of the session, on every change"],
            "device": ["type": "http", "scheme": "bearer", "description": "The token a device got by enrolling with the hub"],
        ]
        document["components"] = components
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// What kioskd sends to the store's other systems (`[[webhooks]]`): one operation per event
    /// type, each a CloudEvent in structured JSON mode, signed.
    static var webhooks: [String: Any] {
        let ticket: [String: Any] = ["type": "string", "description": "The work order (the DMS joins on it)"]
        let at: [String: Any] = ["type": "string", "format": "date-time"]
        let job: [String: Any] = ["type": "object", "required": ["ticketCode", "at"], "properties": ["ticketCode": ticket, "bay": ["type": ["string", "null"]], "at": at]]
        func data(_ type: UpstreamEventType) -> [String: Any] {
            switch type {
            case .jobOpened, .jobStateChanged:
                return ["type": "object", "required": ["ticketCode", "to", "at"], "properties": [
                    "ticketCode": ticket, "from": ["type": ["string", "null"], "description": "null when opened"], "to": ["$ref": "#/components/schemas/JobState"],
                    "bay": ["type": ["string", "null"]], "actor": ["type": "string", "description": "a badge, bay:<name>, customer, hub, cli:<login>"],
                    "reason": ["type": ["string", "null"]], "at": at]]
            case .partsRequested:
                var object = job
                object["properties"] = (job["properties"] as! [String: Any]).merging(["parts": ["type": "array", "items": ["$ref": "#/components/schemas/RequestedPart"]]]) { $1 }
                return object
            case .pickupReady, .partsArrived, .partsArrivalUndone, .partsRequestCleared, .helpCalled:
                return job
            case .stockAlertRaised, .stockAlertCleared:
                return ["type": "object", "required": ["partNumber", "level", "threshold", "at"], "properties": [
                    "partNumber": ["type": "string"], "level": ["type": "string", "enum": ["belowSafetyStock", "reorderPoint"]],
                    "onHand": ["type": "integer", "description": "raised only"], "threshold": ["type": "integer"], "at": at]]
            case .stocktakeConfirmed:
                return ["type": "object", "required": ["stocktake", "at", "lines"], "properties": [
                    "stocktake": ["type": "string"], "bin": ["type": ["string", "null"], "description": "null: the whole store"], "openedBy": ["type": "string"], "at": at,
                    "lines": ["type": "array", "items": ["type": "object", "properties": [
                        "partNumber": ["type": "string"], "bin": ["type": "string"], "expected": ["type": "integer"], "counted": ["type": "integer"], "difference": ["type": "integer"]]]]]]
            case .transferShipped, .transferReceived:
                return ["type": "object", "required": ["sscc", "partNumber", "quantity", "fromStore", "toStore", "at"], "properties": [
                    "sscc": ["type": "string", "pattern": "^[0-9]{18}$"], "partNumber": ["type": "string"], "quantity": ["type": "integer"],
                    "fromStore": ["type": "string"], "toStore": ["type": "string"], "fromBin": ["type": "string"],
                    "toBin": ["type": ["string", "null"], "description": "received only"], "at": at]]
            case .deliveryClosed:
                return ["type": "object", "required": ["order", "at", "lines"], "properties": [
                    "order": ["type": "string"], "sscc": ["type": ["string", "null"]], "at": at,
                    "lines": ["type": "array", "items": ["type": "object", "properties": [
                        "partNumber": ["type": "string"], "quantity": ["type": "integer"], "condition": ["type": "string", "enum": ["ordered", "extra", "damaged"]]]]]]]
            case .orderCreated:
                return ["type": "object", "required": ["order", "supplier", "at", "lines"], "properties": [
                    "order": ["type": "string"], "supplier": ["type": "string"], "expectedOn": ["type": ["string", "null"]], "createdBy": ["type": "string"], "at": at,
                    "lines": ["type": "array", "items": ["type": "object", "properties": [
                        "partNumber": ["type": "string"], "ordered": ["type": "integer"], "unitPriceFen": ["type": ["integer", "null"]]]]]]]
            case .returnedToSupplier:
                return ["type": "object", "required": ["supplier", "partNumber", "quantity", "reason", "at"], "properties": [
                    "supplier": ["type": "string"], "order": ["type": ["string", "null"]], "partNumber": ["type": "string"], "quantity": ["type": "integer"],
                    "fromBin": ["type": "string"], "reason": ["type": "string"], "at": at]]
            }
        }
        var operations: [String: Any] = [:]
        for type in UpstreamEventType.allCases {
            operations[type.rawValue] = ["post": [
                "summary": type.summary,
                "description": "A CloudEvent 1.0 in structured JSON mode, POSTed to each [[webhooks]] endpoint that takes the type. At least once: the same id on every retry and replay (drop duplicates by id). Retried with back-off on anything but 2xx; after the endpoint's last try it waits on the dead-letter list (kioskd webhooks dead, GET /api/v1/webhooks) until replayed.",
                "parameters": [["name": "Kioskd-Signature", "in": "header", "required": true, "schema": ["type": "string"],
                                "description": "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" with the endpoint's secret>; refuse a t far from your clock"],
                               ["name": "Kioskd-Delivery-Attempt", "in": "header", "required": true, "schema": ["type": "integer", "minimum": 1]]],
                "requestBody": ["required": true, "content": ["application/cloudevents+json": ["schema": [
                    "type": "object", "required": ["specversion", "id", "source", "type", "time", "datacontenttype", "data"],
                    "properties": ["specversion": ["const": "1.0"], "id": ["type": "string"], "source": ["type": "string", "description": "/kioskd/<device id>"],
                                   "type": ["const": type.rawValue], "subject": ["type": "string", "description": "the work order, part or bin"], "time": at,
                                   "datacontenttype": ["const": "application/json"], "data": data(type)]]]]],
                "responses": ["2XX": ["description": "Taken: never sent again (unless replayed)"], "default": ["description": "Tried again later"]],
            ] as [String: Any]]
        }
        return operations
    }

    static let base = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "kioskd API", "version": "1.0.0",
               "description": "The shop-floor daemon's JSON API: what the bay, counter, lobby and phone pages use. Errors are {\"error\": {\"message\": \"…\"}} with the message in Chinese and English."},
      "paths": {
        "/healthz": {"get": {"summary": "Whether the daemon is well (ok or degraded); each part's health and faults only with a staff session", "responses": {"200": {"description": "status ok or degraded; components and faults by name for a signed-in person", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}}},
        "/api/v1/events": {"get": {"summary": "Server-sent events: `change` with a version number whenever anything changes", "responses": {"200": {"description": "text/event-stream"}}}},
        "/api/v1/lobby": {"get": {"summary": "Vehicles in the workshop, public: masked plates and customer stages only", "responses": {"200": {"description": "Lobby board", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Lobby"}}}}}}},
        "/api/v1/track/{token}": {"get": {"summary": "One vehicle's stage, by the token on the customer's ticket (rate limited)",
          "parameters": [{"name": "token", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "Stage", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Track"}}}}, "404": {"description": "Unknown or delivered"}, "429": {"description": "Too many look-ups"}}}},
        "/api/v1/track/{token}/quote": {"post": {"summary": "The customer's answer to the quote for extra work shown on their phone page (the token on their ticket is the key; rate limited with look-ups)",
          "parameters": [{"name": "token", "in": "path", "required": true, "schema": {"type": "string"}}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/QuoteAnswer"}}}},
          "responses": {"200": {"description": "The quote with the answer recorded (the same answer again changes nothing); the job moves on to repairing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Quote"}}}}, "400": {"description": "Not the JSON described"}, "403": {"description": "Sent from another site (Origin)"}, "404": {"description": "No such quote for this link"}, "409": {"description": "Answered differently or withdrawn already, the job no longer waits for approval, or this board leaves quotes to its hub"}, "415": {"description": "Not application/json"}, "429": {"description": "Too many requests"}}}},
        "/api/v1/jobs/{ticket}/quote": {"post": {"summary": "Quote extra work for the customer to approve on their phone page; the job waits for approval (an earlier quote not yet answered is withdrawn)",
          "parameters": [{"name": "ticket", "in": "path", "required": true, "schema": {"type": "string"}}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["lines"], "properties": {"lines": {"type": "array", "minItems": 1, "maxItems": 30, "items": {"$ref": "#/components/schemas/QuoteLine"}}, "id": {"oneOf": [{"$ref": "#/components/schemas/UUID"}, {"type": "null"}], "description": "Idempotency key: the same id again is the same quote"}}}}}},
          "responses": {"201": {"description": "Quoted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Quote"}}}}, "400": {"description": "Lines out of range, or not the JSON described"}, "404": {"description": "Unknown work order"}, "409": {"description": "The job cannot wait for approval from its state, or this board leaves quotes to its hub"}, "415": {"description": "Not application/json"}}}},
        "/api/v1/bays/{bay}/help": {"post": {"summary": "Call for help at the bay, as its help button does (for a bay with a touch screen and no buttons)",
          "parameters": [{"name": "bay", "in": "path", "required": true, "schema": {"type": "string", "minLength": 1, "maxLength": 64}}],
          "responses": {"201": {"description": "Called: recorded and told upstream with the bay's job (ticketCode); a bay without a job only flashes", "content": {"application/json": {"schema": {"type": "object", "required": ["accepted", "message"], "properties": {"accepted": {"type": "boolean"}, "message": {"type": "string"}, "ticketCode": {"type": ["string", "null"]}}}}}}, "400": {"description": "A bay name over 64 characters"}, "429": {"description": "Help was called at this bay moments ago"}}}},
        "/api/v1/stock/chain": {"get": {"summary": "Which stores of the chain hold a part, by bin, with each store's last push to the shared ledger (a hub with [hub] ledger)",
          "parameters": [{"name": "part", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1, "maxLength": 64}}],
          "responses": {"200": {"description": "The stores' stock of the part"}, "400": {"description": "No part given"}, "409": {"description": "No chain ledger here"}}}},
        "/api/v1/transfers": {"post": {"summary": "Ship a carton to a sister store (调拨): the chain's ledger gives it an SSCC, the part leaves its bin, the carton's GS1-128 label is queued on the label printer (a hub with [hub] ledger and gs1_company_prefix; idempotent by key)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["part", "quantity", "toStore"], "properties": {"part": {"type": "string", "minLength": 1, "maxLength": 64}, "quantity": {"type": "integer", "minimum": 1, "maximum": 1000000}, "toStore": {"type": "string", "minLength": 1, "maxLength": 64}, "bin": {"type": ["string", "null"]}, "key": {"type": ["string", "null"], "format": "uuid", "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"}}}}}},
          "responses": {"201": {"description": "The carton shipped (its SSCC) and its label's print job"}, "400": {"description": "Not the JSON described, a field out of range, or this store as destination"}, "404": {"description": "Unknown part, bin or sister store"}, "409": {"description": "Not enough stock in the bin, no chain ledger here, or no GS1 company prefix set"}, "415": {"description": "Not application/json"}, "503": {"description": "The chain's ledger did not answer: nothing shipped"}}},
          "get": {"summary": "The cartons this store shipped and the ones coming to it, newest first",
          "parameters": [{"name": "inTransit", "in": "query", "required": false, "schema": {"type": "string", "enum": ["true", "false"]}}],
          "responses": {"200": {"description": "Transfers"}, "400": {"description": "inTransit other than true or false, or given twice"}}}},
        "/api/v1/chain/report": {"get": {"summary": "Every store of the chain: parts and units on hand, cartons and units in transit from and to it, its standing stock alerts, its last push (a hub with [hub] ledger)",
          "responses": {"200": {"description": "The chain's stores"}, "409": {"description": "No chain ledger here"}, "503": {"description": "The chain's ledger did not answer"}}}},
        "/api/v1/purchase-orders": {"post": {"summary": "Make a purchase order (the parts manager, or the store's ERP): its lines of known parts; the same order sent again is one; print: queue its sheet (whose code opens a delivery at the counter). Not on a board that syncs: orders are made at the hub",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["supplier", "lines"], "properties": {"number": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9_-]{1,40}$"}, "supplier": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"}, "expectedOn": {"type": ["string", "null"], "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}, "print": {"type": ["boolean", "null"]}, "lines": {"type": "array", "minItems": 1, "maxItems": 200, "items": {"type": "object", "required": ["partNumber", "ordered"], "properties": {"partNumber": {"type": "string", "minLength": 1, "maxLength": 64, "description": "a part of the catalogue (404 otherwise)"}, "ordered": {"type": "integer", "minimum": 1, "maximum": 1000000}, "unitPriceFen": {"type": ["integer", "null"], "minimum": 0, "maximum": 10000000000}}}}}}}}},
          "responses": {"201": {"description": "The order, each line against what came in"}, "400": {"description": "A bad number, supplier, day, quantity or a part twice, or not the JSON described"}, "404": {"description": "A part the catalogue does not have"}, "409": {"description": "Another order under that number, or a board that syncs"}, "415": {"description": "Not application/json"}}},
          "get": {"summary": "Purchase orders, open first, newest first", "responses": {"200": {"description": "Orders"}}}},
        "/api/v1/reorder-suggestions": {"get": {"summary": "Parts whose stock plus what is on order has fallen to the reorder point: the quantity up to the target (twice the reorder point when none), in whole packs, by supplier",
          "responses": {"200": {"description": "Suggestions"}}}},
        "/api/v1/reorder-suggestions/confirm": {"post": {"summary": "Make one purchase order of a supplier's suggestions (at the catalogue's unit costs); it goes upstream as cn.kioskd.purchase.order_created",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["supplier"], "properties": {"supplier": {"type": "string", "minLength": 1}, "expectedOn": {"type": ["string", "null"], "format": "date"}}}}}},
          "responses": {"201": {"description": "The order"}, "400": {"description": "Not the JSON described, or a bad day"}, "404": {"description": "Nothing to reorder from that supplier"}, "409": {"description": "A board that syncs"}, "415": {"description": "Not application/json"}}}},
        "/api/v1/supplier-returns": {"post": {"summary": "Send parts back to the supplier (退货): a movement out of quarantine (or the bin given) with the reason, against an order when given; the slip prints on the receipt printer; idempotent by key. Not on a board that syncs",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["part", "quantity", "supplier", "reason"], "properties": {"part": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1, "maximum": 1000000}, "supplier": {"type": "string", "minLength": 1}, "reason": {"type": "string", "minLength": 1}, "bin": {"type": ["string", "null"]}, "order": {"type": ["string", "null"]}, "key": {"type": ["string", "null"], "format": "uuid", "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"}}}}}},
          "responses": {"201": {"description": "The return and its slip's print job"}, "400": {"description": "No reason, a bad quantity, or not the JSON described"}, "403": {"description": "A bin other than quarantine, by a clerk (a manager's call)"}, "404": {"description": "Unknown part, bin or order"}, "409": {"description": "Not enough in the bin, or a board that syncs"}, "415": {"description": "Not application/json"}}}},
        "/api/v1/purchase-orders/{number}": {"get": {"summary": "An order's lines against what came in (ordered, received, damaged, short, over) and its deliveries",
          "parameters": [{"name": "number", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "The order"}, "404": {"description": "No such order"}}}},
        "/api/v1/manager": {"get": {"summary": "The manager's view: open jobs by state and bay with time against standard hours, technician efficiency and bay utilisation for the day or week (with SVG charts), alerts, parts requests, each board's sync",
          "parameters": [{"name": "period", "in": "query", "required": false, "schema": {"type": "string", "enum": ["day", "week"]}}],
          "responses": {"200": {"description": "Manager view"}, "400": {"description": "period not day or week"}}}},
        "/api/v1/webhooks": {"get": {"summary": "Webhook deliveries per endpoint (pending, delivered, dead, last error) and the dead-letter list",
          "responses": {"200": {"description": "Status and dead-letter list"}}}},
        "/api/v1/webhooks/replay": {"post": {"summary": "Send dead deliveries again: the events named, or all (audited)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "anyOf": [{"required": ["events"], "properties": {"events": {"minItems": 1}}}, {"required": ["all"], "properties": {"all": {"const": true}}}], "properties": {"events": {"type": ["array", "null"], "maxItems": 1000, "items": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9-]+$"}}, "all": {"type": "boolean"}, "endpoint": {"type": "string"}}}}}},
          "responses": {"200": {"description": "How many go again"}, "400": {"description": "Neither events nor all, more than 1,000 ids, an id that is not one the store makes, or not the JSON described"}, "415": {"description": "Not application/json"}}}},
        "/api/v1/bays/{bay}": {"get": {"summary": "The bay's current job and the states it may move to",
          "parameters": [{"name": "bay", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "Bay view"}}}},
        "/api/v1/jobs/{ticket}/transitions": {"post": {"summary": "Move a job to a state (idempotent by id)",
          "parameters": [{"name": "ticket", "in": "path", "required": true, "schema": {"type": "string"}}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransitionRequest"}}}},
          "responses": {"200": {"description": "The work order after the move"}, "400": {"description": "A body that is not the JSON described, or a field out of range"}, "404": {"description": "Unknown work order"}, "409": {"description": "Not allowed from the current state"}}}},
        "/api/v1/jobs/{ticket}/advance": {"post": {"summary": "Next state on the main path (the bay button)",
          "parameters": [{"name": "ticket", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "Moved"}, "404": {"description": "Unknown work order"}, "409": {"description": "Closed job"}}}},
        "/api/v1/jobs/{ticket}/clock": {"post": {"summary": "Clock a technician on or off",
          "parameters": [{"name": "ticket", "in": "path", "required": true, "schema": {"type": "string"}}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["badge", "pin", "on"], "properties": {"badge": {"type": "string"}, "pin": {"type": "string"}, "on": {"type": "boolean"}}}}}},
          "responses": {"204": {"description": "Done"}, "400": {"description": "A body that is not the JSON described, or a field out of range"}, "403": {"description": "Wrong or unknown badge, or wrong PIN"}, "415": {"description": "Not application/json"}, "429": {"description": "Badge locked after too many wrong PINs, or too many attempts from this address or device (Retry-After)"}, "404": {"description": "Unknown job"}, "409": {"description": "Not clocked on"}}}},
        "/api/v1/jobs/{ticket}/parts-requests": {"post": {"summary": "Call for parts from the counter",
          "parameters": [{"name": "ticket", "in": "path", "required": true, "schema": {"type": "string"}}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["parts"], "properties": {"parts": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/RequestedPart"}}}}}}},
          "responses": {"201": {"description": "Requested"}, "400": {"description": "No parts, or not the JSON described"}, "404": {"description": "Unknown work order"}, "409": {"description": "Closed job"}}}},
        "/api/v1/counter": {"get": {"summary": "The counter: session, recent scans, parts and new-car (yard) alerts, parts requests, quotes the customers answered, stocktakes", "responses": {"200": {"description": "Counter view"}}}},
        "/api/v1/scans": {"post": {"summary": "A scan typed or scanned on the counter page",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}, "id": {"type": ["string", "null"], "format": "uuid", "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$", "description": "The scan's idempotency key; absent or null: a new one"}}}}}},
          "responses": {"200": {"description": "accepted, message, duplicate, outcome (accepted, accepted-low, duplicate, wrong, unknown-code, refused, store-fault)"}, "400": {"description": "A body that is not the JSON described, or a field out of range"}}}},
        "/api/v1/session": {
          "post": {"summary": "Sign in with badge and PIN: sets the session cookie and returns the CSRF token",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["badge", "pin"], "properties": {"badge": {"type": "string"}, "pin": {"type": "string"}}}}}},
            "responses": {"201": {"description": "Signed in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Session"}}}}, "400": {"description": "Not the JSON described"}, "401": {"description": "Wrong badge or PIN"}, "403": {"description": "From another origin"}, "415": {"description": "Not application/json"}, "429": {"description": "Badge locked after too many wrong PINs, or too many attempts from this address or device (Retry-After)"}}},
          "get": {"summary": "Who is signed in", "responses": {"200": {"description": "The session", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Session"}}}}}},
          "delete": {"summary": "Sign out", "responses": {"204": {"description": "Signed out"}}}},
        "/api/v1/customers/orders": {"get": {"summary": "A customer's work orders by phone number or a vehicle's by VIN, with the personal data opened (service desk)",
          "parameters": [{"name": "phone", "in": "query", "required": false, "schema": {"type": "string"}}, {"name": "vin", "in": "query", "required": false, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "Orders; none when neither phone nor vin is given"}}}},
        "/api/v1/print-jobs": {
          "post": {"summary": "Queue labels or a job ticket for a printer; the daemon prints it and retries while the printer is off or out of paper",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PrintRequest"}}}},
            "responses": {"202": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PrintJob"}}}}, "400": {"description": "Unknown printer, no subjects, no bins in the range, copies out of range, or not the JSON described"}, "404": {"description": "Unknown work order"}, "409": {"description": "No printer configured"}}},
          "get": {"summary": "The newest print jobs and their state", "responses": {"200": {"description": "Jobs"}}}},
        "/api/v1/sync/enrol": {"post": {"summary": "A device presents its one-time enrolment code and gets its token (hub role)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["deviceID", "code"], "properties": {"deviceID": {"type": "string"}, "code": {"type": "string"}}}}}},
          "responses": {"200": {"description": "The device token"}, "400": {"description": "Not the JSON described"}, "403": {"description": "Wrong, used or expired code"}, "409": {"description": "Not a hub"}}}},
        "/api/v1/sync/push": {"post": {"summary": "A device's batch of outbox events, stored once each by id and applied (hub role)",
          "security": [{"device": []}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["deviceID", "events"], "properties": {"deviceID": {"type": "string"}, "events": {"type": "array", "maxItems": 5000, "items": {"$ref": "#/components/schemas/SyncEvent"}}}}}}},
          "parameters": [{"name": "Content-Encoding", "in": "header", "required": false, "schema": {"type": "string", "enum": ["identity", "gzip"]}, "description": "gzip once the hub has answered with Accept-Encoding: gzip (RFC 7694); unpacked only up to the size a plain body may have"}],
          "responses": {"200": {"description": "ackedSeq: every event up to it is stored; rejected: job moves the hub refused, with its state. Gzip-compressed when asked (Accept-Encoding) and over 1 KiB"}, "400": {"description": "Not the JSON described, or a gzip body that is corrupt or unpacks past the upload limit"}, "415": {"description": "A Content-Encoding other than gzip; the answer's Accept-Encoding names what is taken"}, "401": {"description": "Unknown or revoked device token"}, "403": {"description": "The token belongs to another device"}, "409": {"description": "Not a hub"}, "413": {"description": "More than 5000 events"}, "503": {"description": "The hub's ledger (PostgreSQL) did not answer: nothing was kept; send again"}}}},
        "/api/v1/sync/pull": {"get": {"summary": "Changes to the catalog, technicians, work orders, appointments, parts requests and workshop events after a cursor (hub role)",
          "security": [{"device": []}],
          "parameters": [{"name": "after", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807}}, {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 5000}}],
          "responses": {"200": {"description": "changes (tombstones for deletions), the next cursor, and whether more wait"}, "400": {"description": "after or limit not a whole number in range"}, "401": {"description": "Unknown or revoked device token"}, "409": {"description": "Not a hub"}}}},
        "/api/v1/sync/chain-stock": {"get": {"summary": "Which stores of the chain hold a part, for a board's counter page (a hub with [hub] ledger; not the lobby's token)",
          "security": [{"device": []}],
          "parameters": [{"name": "part", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1, "maxLength": 64}}],
          "responses": {"200": {"description": "The stores' stock of the part"}, "400": {"description": "No part given"}, "401": {"description": "Unknown or revoked device token"}, "403": {"description": "A lobby board"}, "409": {"description": "Not a hub, or no chain ledger here"}}}},
        "/api/v1/sync/status": {"get": {"summary": "This kioskd's outbox and, on a hub, its devices", "responses": {"200": {"description": "Sync status"}}}},
        "/api/v1/audit": {"get": {"summary": "The newest 200 audit log entries and whether the chain verifies", "responses": {"200": {"description": "Audit view"}}}},
        "/api/v1/staff": {"get": {"summary": "Everyone with a badge, their role, and PIN locks (lockedUntil, lockouts in a row)", "responses": {"200": {"description": "Staff"}}}},
        "/api/v1/staff/{badge}/unlock": {"post": {"summary": "Lift a person's PIN lock (audited; the count of lockouts in a row stays)",
          "parameters": [{"name": "badge", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"204": {"description": "Unlocked"}, "404": {"description": "Unknown badge"}}}},
        "/api/v1/staff/{badge}/role": {"post": {"summary": "Give a person a role (audited)",
          "parameters": [{"name": "badge", "in": "path", "required": true, "schema": {"type": "string"}}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["role"], "properties": {"role": {"$ref": "#/components/schemas/Role"}}}}}},
          "responses": {"204": {"description": "Done"}, "400": {"description": "Unknown role, or not the JSON described"}, "404": {"description": "Unknown badge"}, "409": {"description": "The last admin cannot lose the role"}}}},
        "/api/v1/stock": {"get": {"summary": "Stock of parts matching a part number, name or barcode",
          "parameters": [{"name": "q", "in": "query", "required": false, "schema": {"type": "string"}, "description": "Empty or absent: no rows"}], "responses": {"200": {"description": "Rows"}}}}
      },
      "components": {"schemas": {
        "PrintRequest": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["bins", "parts", "commands", "badges", "ticket"]}, "subjects": {"type": "array", "items": {"type": "string"}}, "from": {"type": "string"}, "to": {"type": "string"}, "copies": {"type": "integer", "minimum": 1, "maximum": 100}, "printer": {"type": "string"}, "id": {"type": "string", "format": "uuid"}}},
        "PrintJob": {"type": "object", "properties": {"id": {"type": "integer"}, "printer": {"type": "string"}, "kind": {"type": "string"}, "subjects": {"type": "array", "items": {"type": "string"}}, "state": {"type": "string", "enum": ["waiting", "printed", "cancelled", "failed"]}, "attempts": {"type": "integer"}, "lastError": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"}}},
        "Instant": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?Z$", "description": "ISO 8601, UTC, with milliseconds as the store keeps them (whole seconds are read too)"},
        "UUID": {"type": "string", "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"},
        "Text": {"type": ["string", "null"]},
        "StockMovement": {"type": "object", "required": ["key", "kind", "partNumber", "quantity", "deviceID", "actor", "recordedAt"], "properties": {
          "seq": {"type": ["integer", "null"]}, "key": {"$ref": "#/components/schemas/UUID"}, "kind": {"type": "string", "enum": ["receive", "issue", "return", "transfer", "adjust", "count", "reversal"]},
          "partNumber": {"type": "string"}, "quantity": {"type": "integer"}, "fromBin": {"$ref": "#/components/schemas/Text"}, "toBin": {"$ref": "#/components/schemas/Text"},
          "workOrder": {"$ref": "#/components/schemas/Text"}, "reason": {"$ref": "#/components/schemas/Text"}, "reverses": {"oneOf": [{"$ref": "#/components/schemas/UUID"}, {"type": "null"}]},
          "stocktakeID": {"oneOf": [{"$ref": "#/components/schemas/UUID"}, {"type": "null"}]}, "scanText": {"$ref": "#/components/schemas/Text"},
          "deviceID": {"type": "string"}, "actor": {"type": "string"}, "recordedAt": {"$ref": "#/components/schemas/Instant"}}},
        "JobTransition": {"type": "object", "required": ["id", "ticketCode", "toState", "actor", "at"], "properties": {
          "id": {"$ref": "#/components/schemas/UUID"}, "ticketCode": {"type": "string"}, "fromState": {"oneOf": [{"$ref": "#/components/schemas/JobState"}, {"type": "null"}]},
          "toState": {"$ref": "#/components/schemas/JobState"}, "actor": {"type": "string"}, "bay": {"$ref": "#/components/schemas/Text"}, "at": {"$ref": "#/components/schemas/Instant"}, "reason": {"$ref": "#/components/schemas/Text"}}},
        "OpenedOrder": {"type": "object", "required": ["ticketCode", "publicToken", "plate", "vin", "customerPhone", "services", "openedAt"], "properties": {
          "ticketCode": {"type": "string"}, "publicToken": {"type": "string"}, "plate": {"type": "string"}, "vin": {"type": "string"}, "customerPhone": {"type": "string"},
          "services": {"type": "array", "items": {"type": "object", "required": ["code", "name"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "standardHours": {"type": ["number", "null"]}}}},
          "promisedAt": {"oneOf": [{"$ref": "#/components/schemas/Instant"}, {"type": "null"}]}, "bay": {"$ref": "#/components/schemas/Text"}, "openedAt": {"$ref": "#/components/schemas/Instant"}}},
        "SyncEvent": {"type": "object", "required": ["seq", "id", "kind", "hlc"], "properties": {"seq": {"type": "integer"}, "id": {"$ref": "#/components/schemas/UUID"},
          "kind": {"type": "string", "enum": ["stock.movement", "job.opened", "job.transition", "stocktake.status", "stock.alert", "parts.request", "workshop.event"]}, "hlc": {"type": "integer"},
          "movement": {"oneOf": [{"$ref": "#/components/schemas/StockMovement"}, {"type": "null"}]}, "transition": {"oneOf": [{"$ref": "#/components/schemas/JobTransition"}, {"type": "null"}]},
          "order": {"oneOf": [{"$ref": "#/components/schemas/OpenedOrder"}, {"type": "null"}]},
          "stocktake": {"type": ["object", "null"], "description": "stocktake.status: the stocktake as closed or confirmed, and its variance lines"},
          "alert": {"type": ["object", "null"], "description": "stock.alert: change (raised or cleared) and the alert"},
          "partsRequest": {"type": ["object", "null"], "description": "parts.request: a bay's parts request as raised (id = the event's id, ticketCode, bay, parts: 1 or more RequestedPart, raisedAt); the hub marks it arrived and cleared from the stock movements it applies", "properties": {"id": {"$ref": "#/components/schemas/UUID"}, "ticketCode": {"type": "string"}, "bay": {"type": ["string", "null"]}, "parts": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/RequestedPart"}}, "raisedAt": {"$ref": "#/components/schemas/Instant"}}},
          "workshopEvent": {"type": ["object", "null"], "description": "workshop.event: a call for help at a bay (id = the event's id, kind callForHelp, ticketCode, at); the other workshop events (partsRequested, partsArrived, partsRequestCleared, pickupNotice) every store derives itself under the same ids, and the hub refuses them from a board", "properties": {"id": {"$ref": "#/components/schemas/UUID"}, "kind": {"type": "string"}, "ticketCode": {"type": "string"}, "at": {"$ref": "#/components/schemas/Instant"}}}}},
        "Role": {"type": "string", "enum": ["clerk", "technician", "service_advisor", "manager", "admin"]},
        "Session": {"type": "object", "properties": {"badge": {"type": "string"}, "name": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"}, "csrfToken": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"}}},
        "Health": {"type": "object", "properties": {"status": {"type": "string", "enum": ["ok", "degraded"]}, "components": {"type": "object"}, "faults": {"type": "object"}}},
        "CustomerStage": {"type": "string", "enum": ["enteredWorkshop", "repairing", "nearlyDone", "readyForPickup"]},
        "JobState": {"type": "string", "enum": ["checkedIn", "diagnosing", "waitingApproval", "waitingParts", "repairing", "qualityCheck", "ready", "delivered", "cancelled"]},
        "Track": {"type": "object", "required": ["maskedPlate", "stage", "services", "nowZh", "nowEn"], "properties": {"maskedPlate": {"type": "string"}, "stage": {"$ref": "#/components/schemas/CustomerStage"}, "stageZh": {"type": "string"}, "stageEn": {"type": "string"}, "promisedAt": {"type": "string", "format": "date-time"}, "services": {"type": "array", "items": {"type": "string"}}, "nowZh": {"type": "string"}, "nowEn": {"type": "string"}, "storeName": {"type": "string"}, "storePhone": {"type": "string"}, "quote": {"$ref": "#/components/schemas/Quote"}}},
        "LobbyEntry": {"type": "object", "properties": {"maskedPlate": {"type": "string"}, "stage": {"$ref": "#/components/schemas/CustomerStage"}, "stageZh": {"type": "string"}, "stageEn": {"type": "string"}, "promisedAt": {"type": "string", "format": "date-time"}}},
        "Lobby": {"type": "object", "properties": {"vehicles": {"type": "array", "items": {"$ref": "#/components/schemas/LobbyEntry"}}}},
        "QuoteLine": {"type": "object", "required": ["item", "amountFen"], "properties": {"item": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\ufeff]*\\S[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\ufeff]*$", "description": "a name, no control or invisible formatting characters, at most 240 UTF-8 bytes"}, "amountFen": {"type": "integer", "minimum": 0, "maximum": 99999999, "description": "fen (分): 68000 is ¥680.00"}}},
        "QuoteAnswer": {"type": "object", "required": ["quote", "answer"], "properties": {"quote": {"$ref": "#/components/schemas/UUID"}, "answer": {"type": "string", "enum": ["approve", "decline"]}}},
        "Quote": {"type": "object", "required": ["id", "ticketCode", "lines", "totalFen", "total", "createdAt", "awaitingAnswer"], "properties": {"id": {"$ref": "#/components/schemas/UUID"}, "ticketCode": {"type": "string"}, "lines": {"type": "array", "items": {"$ref": "#/components/schemas/QuoteLine"}}, "totalFen": {"type": "integer"}, "total": {"type": "string"}, "decision": {"type": ["string", "null"], "enum": ["approved", "declined", "withdrawn", null]}, "decidedAt": {"type": ["string", "null"]}, "createdAt": {"type": "string"}, "awaitingAnswer": {"type": "boolean"}}},
        "RequestedPart": {"type": "object", "required": ["partNumber", "quantity"], "properties": {"partNumber": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "\\S"}, "quantity": {"type": "integer", "minimum": 1, "maximum": 99999}}},
        "TransitionRequest": {"type": "object", "required": ["to"], "properties": {"to": {"$ref": "#/components/schemas/JobState"}, "actor": {"type": "string"}, "reason": {"type": "string"}, "id": {"type": "string", "format": "uuid"}, "parts": {"type": "array", "items": {"$ref": "#/components/schemas/RequestedPart"}}}}
      }}
    }
    """#
}
