import Hummingbird
import KioskCore

/// The core's refusals answer HTTP requests by themselves (Hummingbird's `HTTPResponseError`):
/// each says which status it is, and its body is the one Hummingbird's `HTTPError` gives
/// (`{"error":{"message":…}}`), so the pages show every refusal the same way. Routes no longer
/// catch and translate them one by one.
protocol RefusalResponse: HTTPResponseError, CustomStringConvertible {}

extension RefusalResponse {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try HTTPError(status, message: description).response(from: request, context: context)
    }
}

/// Unknown jobs, badges and appointments are 404; a bad field 400; a PIN locked or being
/// tried 429; every other workshop refusal (an illegal move, a closed order…) 409 Conflict.
extension WorkshopError: RefusalResponse {
    public var status: HTTPResponse.Status {
        switch self {
        case .unknownWorkOrder, .unknownTechnician, .unknownAppointment: .notFound
        case .invalidField: .badRequest
        case .pinLocked, .pinAttemptsInProgress: .tooManyRequests
        default: .conflict
        }
    }
}

/// A wrong badge or PIN is 401, a role that does not exist 400, taking away the last admin 409.
extension AccessError: RefusalResponse {
    public var status: HTTPResponse.Status {
        switch self {
        case .wrongBadgeOrPIN: .unauthorized
        case .unknownRole: .badRequest
        case .lastAdmin: .conflict
        }
    }
}

/// A device the hub does not know, or a token used for another device: 403.
extension HubError: RefusalResponse {
    public var status: HTTPResponse.Status { .forbidden }
}

/// Nothing to print is a bad request; a print job that does not exist 404.
extension PrintRequestError: RefusalResponse {
    public var status: HTTPResponse.Status {
        switch self {
        case .nothingToPrint: .badRequest
        case .unknownJob: .notFound
        }
    }
}

/// A bad quote is 400, a quote or link that does not exist 404, a board that does not answer
/// quotes 409 (the hub does), an answer that comes too late 409.
extension QuoteError: RefusalResponse {
    public var status: HTTPResponse.Status {
        switch self {
        case .invalid: .badRequest
        case .unknownQuote: .notFound
        case .notAtTheHub, .alreadyDecided, .notWaiting: .conflict
        }
    }
}

/// Event ids that cannot be the store's: 400.
extension WebhookError: RefusalResponse {
    public var status: HTTPResponse.Status { .badRequest }
}

/// An unknown part or bin is 404; a bad quantity or bins that do not fit 400; not enough stock
/// and every other stock refusal 409.
extension StockError: RefusalResponse {
    public var status: HTTPResponse.Status {
        switch self {
        case .unknownPart, .unknownBin: .notFound
        case .invalidQuantity, .binsDoNotFit, .transferToSameBin, .reasonRequired, .workOrderRequired: .badRequest
        default: .conflict
        }
    }
}

/// A carton or sister store that does not exist is 404, shipping to this store 400; no chain
/// here, no company prefix, a carton received already: 409.
extension TransferError: RefusalResponse {
    public var status: HTTPResponse.Status {
        switch self {
        case .unknownCarton, .unknownStore: .notFound
        case .sameStore, .wholeCartonOnly: .badRequest
        default: .conflict
        }
    }
}

/// An order that does not exist is 404; a bad one 400; one made twice differently, or closed, 409.
extension PurchasingError: RefusalResponse {
    public var status: HTTPResponse.Status {
        switch self {
        case .unknownOrder: .notFound
        case .invalid: .badRequest
        default: .conflict
        }
    }
}
