import ArgumentParser
import Foundation
import KioskCore

struct Technicians: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Staff (技师 and everyone else with a badge): badges, PINs and roles.",
        discussion: "Roles: clerk 配件员, technician 技师, service_advisor 服务顾问, manager 经理, admin 管理员. Role changes go to the audit log.",
        subcommands: [Add.self, SetPIN.self, Unlock.self, Role.self, List.self], aliases: ["staff"])
}
