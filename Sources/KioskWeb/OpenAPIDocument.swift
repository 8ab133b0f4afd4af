/// The API's OpenAPI 3.1 description, served at `/api/v1/openapi.json`.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "kioskd API", "version": "1.0.0",
               "description": "The shop-floor daemon's JSON API: what the bay, counter, lobby and phone pages use. Errors are {\"error\": {\"message\": \"…\"}} with the message in Chinese and English."},
      "paths": {
        "/healthz": {"get": {"summary": "Health of each part of the daemon", "responses": {"200": {"description": "status ok or degraded, components, faults by name", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}}},
        "/api/v1/events": {"get": {"summary": "Server-sent events: `change` with a version number whenever anything changes", "responses": {"200": {"description": "text/event-stream"}}}},
        "/api/v1/lobby": {"get": {"summary": "Vehicles in the workshop, public: masked plates and customer stages only", "responses": {"200": {"description": "Lobby board", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Lobby"}}}}}}},
        "/api/v1/track/{token}": {"get": {"summary": "One vehicle's stage, by the token on the customer's ticket (rate limited)",
          "parameters": [{"name": "token", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "Stage", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LobbyEntry"}}}}, "404": {"description": "Unknown or delivered"}, "429": {"description": "Too many look-ups"}}}},
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
          "responses": {"204": {"description": "Done"}, "400": {"description": "A body that is not the JSON described, or a field out of range"}, "403": {"description": "Wrong badge or PIN"}, "429": {"description": "Badge locked after too many wrong PINs"}, "404": {"description": "Unknown technician or job"}, "409": {"description": "Not clocked on"}}}},
        "/api/v1/jobs/{ticket}/parts-requests": {"post": {"summary": "Call for parts from the counter",
          "parameters": [{"name": "ticket", "in": "path", "required": true, "schema": {"type": "string"}}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["parts"], "properties": {"parts": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/RequestedPart"}}}}}}},
          "responses": {"201": {"description": "Requested"}, "400": {"description": "No parts, or not the JSON described"}, "404": {"description": "Unknown work order"}, "409": {"description": "Closed job"}}}},
        "/api/v1/counter": {"get": {"summary": "The counter: session, recent scans, parts and new-car (yard) alerts, parts requests, stocktakes", "responses": {"200": {"description": "Counter view"}}}},
        "/api/v1/scans": {"post": {"summary": "A scan typed or scanned on the counter page",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}, "id": {"type": ["string", "null"], "format": "uuid", "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$", "description": "The scan's idempotency key; absent or null: a new one"}}}}}},
          "responses": {"200": {"description": "accepted, message, duplicate"}, "400": {"description": "A body that is not the JSON described, or a field out of range"}}}},
        "/api/v1/stock": {"get": {"summary": "Stock of parts matching a part number, name or barcode",
          "parameters": [{"name": "q", "in": "query", "required": false, "schema": {"type": "string"}, "description": "Empty or absent: no rows"}], "responses": {"200": {"description": "Rows"}}}}
      },
      "components": {"schemas": {
        "Health": {"type": "object", "properties": {"status": {"type": "string", "enum": ["ok", "degraded"]}, "components": {"type": "object"}, "faults": {"type": "object"}}},
        "CustomerStage": {"type": "string", "enum": ["enteredWorkshop", "repairing", "nearlyDone", "readyForPickup"]},
        "JobState": {"type": "string", "enum": ["checkedIn", "diagnosing", "waitingApproval", "waitingParts", "repairing", "qualityCheck", "ready", "delivered", "cancelled"]},
        "LobbyEntry": {"type": "object", "properties": {"maskedPlate": {"type": "string"}, "stage": {"$ref": "#/components/schemas/CustomerStage"}, "stageZh": {"type": "string"}, "stageEn": {"type": "string"}, "promisedAt": {"type": "string", "format": "date-time"}}},
        "Lobby": {"type": "object", "properties": {"vehicles": {"type": "array", "items": {"$ref": "#/components/schemas/LobbyEntry"}}}},
        "RequestedPart": {"type": "object", "required": ["partNumber", "quantity"], "properties": {"partNumber": {"type": "string", "minLength": 1, "pattern": "\\S"}, "quantity": {"type": "integer", "minimum": 1, "maximum": 99999}}},
        "TransitionRequest": {"type": "object", "required": ["to"], "properties": {"to": {"$ref": "#/components/schemas/JobState"}, "actor": {"type": "string"}, "reason": {"type": "string"}, "id": {"type": "string", "format": "uuid"}, "parts": {"type": "array", "items": {"$ref": "#/components/schemas/RequestedPart"}}}}
      }}
    }
    """#
}
