import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one run of a child process cost: wall time from spawn to exit, and the CPU time and
/// peak resident memory the kernel accounted to it (and to any children it waited for).
struct Measurement: Codable {
    var wallSeconds: Double
    var userSeconds: Double
    var systemSeconds: Double
    /// `ru_maxrss`: the largest resident set of the process or of any descendant it waited for.
    var peakResidentKiB: Int

    var cpuSeconds: Double { userSeconds + systemSeconds }
    var peakResidentMiB: Double { Double(peakResidentKiB) / 1024 }

    static func wall(_ seconds: Double) -> Measurement {
        Measurement(wallSeconds: seconds, userSeconds: 0, systemSeconds: 0, peakResidentKiB: 0)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Monotonic seconds, for wall times.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Times a block in this process.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = monotonicSeconds()
    let result = try body()
    return (result, monotonicSeconds() - start)
}

/// Runs an executable to completion and measures it alone. Standard output and error go to
/// files, so a failure can be shown.
///
/// The child is started through GNU `/usr/bin/time`, whose report is the resource usage of the
/// stage alone. Reading `wait4`'s usage of a child this process spawned directly is not enough:
/// Linux carries the high-water RSS of the address space a process `exec`s from into the new
/// program's `ru_maxrss`, so every stage would report at least this benchmark's own peak (which
/// holds a whole run's canonical orders for the floors). Without `/usr/bin/time` that is what
/// happens, and the report says so.
enum MeasuredProcess {
    static let timeTool = "/usr/bin/time"
    static var hasTimeTool: Bool { FileManager.default.isExecutableFile(atPath: timeTool) }

    struct Failure: Error, CustomStringConvertible {
        let command: String
        let exitStatus: Int32
        let stderrTail: String
        var description: String { "\(command) exited with status \(exitStatus):\n\(stderrTail)" }
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                    outputPrefix: String) throws -> Measurement {
        let stdoutPath = outputPrefix + ".out", stderrPath = outputPrefix + ".err", timePath = outputPrefix + ".time"
        let command = Self.hasTimeTool ? [Self.timeTool, "-f", "%U %S %M", "-o", timePath, executable] + arguments : [executable] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }

        var pid: pid_t = 0
        let start = monotonicSeconds()
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, envp)
        guard spawned == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 for \(executable) failed: \(String(cString: strerror(errno)))") }
        }
        let wall = monotonicSeconds() - start

        // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
        let exited = status & 0x7f == 0
        let exitStatus = exited ? (status >> 8) & 0xff : -(status & 0x7f)
        guard exitStatus == 0 else {
            let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            let tail = stderr.split(separator: "\n").suffix(15).joined(separator: "\n")
            let name = (executable as NSString).lastPathComponent
            throw Failure(command: ([name] + arguments).joined(separator: " "), exitStatus: exitStatus, stderrTail: tail)
        }
        if Self.hasTimeTool {
            // "%U %S %M": user and system seconds, peak resident KiB, on the last line.
            let report = (try? String(contentsOfFile: timePath, encoding: .utf8)) ?? ""
            let fields = report.split(separator: "\n").last?.split(separator: " ") ?? []
            guard fields.count == 3, let user = Double(fields[0]), let system = Double(fields[1]), let peak = Int(fields[2]) else {
                throw BenchError("cannot read \(Self.timeTool)'s report in \(timePath): \(report)")
            }
            return Measurement(wallSeconds: wall, userSeconds: user, systemSeconds: system, peakResidentKiB: peak)
        }
        return Measurement(
            wallSeconds: wall,
            userSeconds: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
            systemSeconds: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
            peakResidentKiB: usage.ru_maxrss)
    }
}
