import ArgumentParser
import Foundation
import Portal

/// `pm portal`: what an operator needs to set up the portal's users.
struct PortalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal",
        abstract: "The portal's local users.",
        subcommands: [HashPassword.self, CheckUsers.self])

    struct HashPassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash-password",
            abstract: "Reads a password from standard input (its first line) and prints its salted bcrypt hash, for PM_PORTAL_USERS_FILE.",
            discussion: "The password is never taken as an argument, where the shell's history and the process list would keep it.")

        @Option(name: .long, help: "bcrypt's cost: each step doubles the time to check a password (4 to 31).")
        var cost: UInt8 = 12

        func validate() throws {
            guard (4...31).contains(cost) else { throw ValidationError("--cost must be from 4 to 31") }
        }

        func run() throws {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                printError("pm portal hash-password: no password on standard input")
                throw ExitCode(2)
            }
            print(PortalUsers.hash(line, cost: cost))
        }
    }

    struct CheckUsers: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-users",
            abstract: "Checks a users file as pm serve reads it, and lists each user's roles.")

        @Argument(help: "The users file (YAML).")
        var path: String

        func run() throws {
            do {
                let users = try PortalUsers(file: path)
                for user in users.users.values.sorted(by: { $0.name < $1.name }) {
                    print("\(user.name): \(user.roles.map(\.rawValue).sorted().joined(separator: ", "))")
                }
            } catch {
                printError("pm portal check-users: \(error)")
                throw ExitCode(2)
            }
        }
    }
}
