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
