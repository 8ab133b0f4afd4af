import ArgumentParser
import Foundation
import KioskCore
import Labels

/// Printing from the command line: the job is queued in the store first, then sent at once;
/// a printer that is off or out of paper leaves it queued (exit 9) for the daemon to retry.
struct LabelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Print bin and part labels, the command sheet and badges (标签打印).",
        discussion: """
            Printers are [[printers]] in the config; [labels] label_printer is the default. A job that \
            cannot be printed now stays queued and exits with status 9; the daemon (or \
            `kioskd print-queue retry`) prints it when the printer is back. `labels preview` writes a PDF or \
            PNG without a printer.
            """,
        subcommands: [BinsLabels.self, PartsLabels.self, CommandSheet.self, Badges.self, Preview.self])
}
