import ArgumentParser
import Foundation
import KioskCore

/// `kioskd webhooks`: what went to the store's other systems, and the dead-letter list.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Events to the store's other systems ([[webhooks]]): deliveries per endpoint, the dead-letter list, replaying it.",
        subcommands: [Status.self, Dead.self, Replay.self])
}
