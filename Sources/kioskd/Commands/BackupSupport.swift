import ArgumentParser
import Foundation
import KioskCore

func backupRefusing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as BackupError { throw Refused(e.description) }
}
