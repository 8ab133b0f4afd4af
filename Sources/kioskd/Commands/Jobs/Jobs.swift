import ArgumentParser
import Foundation
import KioskCore

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work orders at the bays (工单): open, move through the job states, clock on and off, report.",
        subcommands: [Open.self, List.self, Show.self, Move.self, Next.self, ClockOn.self, ClockOff.self, RequestParts.self,
                      PartsRequests.self, Quote.self, Report.self])
}
