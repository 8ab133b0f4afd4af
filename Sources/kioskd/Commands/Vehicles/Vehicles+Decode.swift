import ArgumentParser
import Foundation
import KioskCore

extension Vehicles {
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
}
