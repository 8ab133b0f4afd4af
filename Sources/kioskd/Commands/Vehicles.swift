import ArgumentParser
import Foundation
import KioskCore

/// A VIN argument, validated as it is parsed.
struct VINArgument: ExpressibleByArgument {
    let vin: VIN
    init?(argument: String) {
        guard let vin = try? VIN.parse(argument) else { return nil }
        self.vin = vin
    }
}

/// Parses a VIN, turning a bad one into the VIN's own message (which position, which check digit).
func parseVIN(_ text: String) throws -> VIN {
    do { return try VIN.parse(text) } catch { throw Refused(error.description) }
}

/// Runs a yard action, turning refusals into a clear message and a non-zero exit.
func yardRefusing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as YardError { throw Refused(e.description) } catch let e as WorkshopError { throw Refused(e.description) }
}

struct Vehicles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vehicles",
        abstract: "Vehicles by VIN (车架号): decode a VIN, check a vehicle in at the service desk, its service history.",
        subcommands: [Decode.self, CheckIn.self, History.self])

    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a VIN and say what it tells without a network (maker, model year).")
        @Argument var vin: String

        func run() async throws {
            let vin = try parseVIN(vin)
            print("VIN\t\(vin.text)")
            print("校验位 check digit\t\(vin.checkDigitValid ? "正确 valid" : "不符（非北美车辆，仅提示）/ does not match (not a North American VIN: reported only)")")
            print("WMI\t\(vin.wmi)\t\(vin.manufacturer)")
            print("年款 model year\t\(vin.modelYear().map(String.init) ?? "-")")
        }
    }

    struct CheckIn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-in",
            abstract: "The service desk scans a VIN: find the vehicle's open work order, or open one (a returning vehicle keeps its customer).")
        @OptionGroup var store: StoreOptions
        @Argument var vin: String
        @Option(help: "The customer's phone (needed the first time a vehicle comes).") var phone: String?
        @Option(help: "The plate (needed the first time a vehicle comes).") var plate: String?
        @Option(name: .customLong("service"), help: "CODE:NAME[:STANDARD_HOURS], repeatable.") var services: [ServiceArgument] = []
        @Option var bay: String?
        @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?

        func run() async throws {
            let (_, db) = try store.openDatabase()
            let vin = try parseVIN(vin)
            let result = try yardRefusing {
                try db.workshop.checkIn(vin: vin, phone: phone, plate: plate, services: services.map(\.item), bay: bay, actor: actor ?? cliActor)
            }
            print(result.opened ? "已接车 opened \(result.order.ticketCode)\tphone page token \(result.order.publicToken)"
                                : "已有进行中的工单 open work order \(result.order.ticketCode)\t\(result.order.state.rawValue)")
            print("\(vin.manufacturer)\t\(vin.modelYear().map(String.init) ?? "-")")
            for order in result.history { print("维修记录 history\t\(describe(order))") }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A vehicle's work orders on this device, newest first.")
        @OptionGroup var store: StoreOptions
        @Argument var vin: String

        func run() async throws {
            let (_, db) = try store.openDatabase()
            let vin = try parseVIN(vin)
            let orders = try db.workshop.orders(vin: vin.text)
            if orders.isEmpty { print("无记录 no work orders for \(vin.text)") }
            for order in orders { print(describe(order)) }
        }
    }
}

struct YardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yard",
        abstract: "The new-car yard (整车库存): receive, move, reserve, sell, PDI and deliver cars by VIN; safety stock per model; yard stocktake.",
        subcommands: [Receive.self, Move.self, Reserve.self, Release.self, Sell.self, Inspect.self, Deliver.self, List.self,
                      Stock.self, SafetyStock.self, Alerts.self, History.self, Count.self])

    struct Common: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Argument var vin: String
        @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?
    }

    static func step(_ common: Common, _ action: VehicleStep.Action) throws {
        let (config, db) = try common.store.openDatabase()
        let vin = try parseVIN(common.vin)
        let outcome = try yardRefusing {
            try db.yard.record(VehicleStep(vin: vin, action: action, deviceID: config.deviceID, actor: common.actor ?? cliActor))
        }
        let v = outcome.vehicle
        print("✓ \(outcome.movement.kind.nameZh) \(v.vin)\t\(v.model)\t\(v.colour)\t\(v.status.rawValue)\t\(v.bin ?? "-")\t#\(outcome.movement.seq ?? 0)")
        for alert in outcome.raised { print("⚠ \(alert.message)") }
        for alert in outcome.cleared { print("✓ 已恢复 cleared: \(alert.model) \(alert.colour)") }
    }

    struct Receive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A new car arrives on the yard.")
        @OptionGroup var common: Common
        @Option var model: String
        @Option var colour: String
        @Option(help: "The yard bin (a parking row or space), added with `kioskd bins add`.") var bin: String
        func run() async throws { try YardCommand.step(common, .receive(model: model, colour: colour, bin: bin)) }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a car to another yard bin.")
        @OptionGroup var common: Common
        @Option var to: String
        func run() async throws { try YardCommand.step(common, .move(to: to)) }
    }

    struct Reserve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hold a car for a sale being negotiated.")
        @OptionGroup var common: Common
        @Option var order: String
        func run() async throws { try YardCommand.step(common, .reserve(salesOrder: order)) }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a reservation: the car is free to sell again.")
        @OptionGroup var common: Common
        func run() async throws { try YardCommand.step(common, .release) }
    }

    struct Sell: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The car is sold.")
        @OptionGroup var common: Common
        @Option var order: String
        func run() async throws { try YardCommand.step(common, .sell(salesOrder: order)) }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pdi", abstract: "Pre-delivery inspection done.")
        @OptionGroup var common: Common
        func run() async throws { try YardCommand.step(common, .inspect) }
    }

    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The car is handed to its buyer and leaves the yard.")
        @OptionGroup var common: Common
        func run() async throws { try YardCommand.step(common, .deliver) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cars on the books: VIN, model, colour, status, bin, sales order.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Include delivered cars.") var all = false
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for v in try db.yard.vehicles(includeDelivered: all) {
                print([v.vin, v.model, v.colour, v.status.rawValue, v.bin ?? "-", v.salesOrder ?? "-"].joined(separator: "\t"))
            }
        }
    }

    struct Stock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cars free to sell per model and colour, against safety stock.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for line in try db.yard.stockByModel() {
                let low = line.safetyStock.map { line.available < $0 } ?? false
                print([line.model, line.colour, String(line.available), line.safetyStock.map(String.init) ?? "-", low ? "⚠ 低于安全库存 below safety stock" : ""]
                    .joined(separator: "\t"))
            }
        }
    }

    struct SafetyStock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "safety-stock", abstract: "Set the safety stock of a model (or of one colour of it).")
        @OptionGroup var store: StoreOptions
        @Argument var model: String
        @Argument var quantity: Int
        @Option(help: "Only this colour (default: any colour).") var colour = ""
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let (raised, cleared) = try yardRefusing { try db.yard.setSafetyStock(ModelSafetyStock(model: model, colour: colour, safetyStock: quantity)) }
            print("已设置 set: \(model)\(colour.isEmpty ? "" : " \(colour)") 安全库存 safety stock \(quantity)")
            for alert in raised { print("⚠ \(alert.message)") }
            for alert in cleared { print("✓ 已恢复 cleared: \(alert.model) \(alert.colour)") }
        }
    }

    struct Alerts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Models below their safety stock.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let alerts = try db.yard.openAlerts()
            if alerts.isEmpty { print("无预警 no alerts") }
            for alert in alerts { print("⚠ \(alert.message)") }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A car's movements on the yard.")
        @OptionGroup var store: StoreOptions
        @Argument var vin: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let vin = try parseVIN(vin)
            for m in try db.yard.movements(of: vin.text) {
                print(["#\(m.seq ?? 0)", m.kind.rawValue, m.fromBin ?? "-", m.toBin ?? "-", m.salesOrder ?? "-", m.actor,
                       ISO8601DateFormatter().string(from: m.recordedAt)].joined(separator: "\t"))
            }
        }
    }

    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Yard stocktake by hand: open, record a VIN seen in a bin, close (missing, unexpected, misplaced). At the counter: KD:CMD:YARD-COUNT.",
            subcommands: [Open.self, Record.self, Close.self])

        struct Open: AsyncParsableCommand {
            @OptionGroup var store: StoreOptions
            @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?
            func run() async throws {
                let (_, db) = try store.openDatabase()
                let id = try yardRefusing { try db.yard.openStocktake(actor: actor ?? cliActor) }
                print("车场盘点已开始 yard stocktake opened \(id.uuidString)")
            }
        }

        struct Record: AsyncParsableCommand {
            @OptionGroup var store: StoreOptions
            @Argument var vin: String
            @Option var bin: String
            func run() async throws {
                let (_, db) = try store.openDatabase()
                let vin = try parseVIN(vin)
                try yardRefusing { try db.yard.count(vin, in: bin) }
                print("✓ \(vin.text) @\(bin)")
            }
        }

        struct Close: AsyncParsableCommand {
            @OptionGroup var store: StoreOptions
            func run() async throws {
                let (_, db) = try store.openDatabase()
                let variance = try yardRefusing { try db.yard.closeStocktake() }
                print(variance.report)
                if !variance.isClean { throw ExitCode(7) }
            }
        }
    }
}
