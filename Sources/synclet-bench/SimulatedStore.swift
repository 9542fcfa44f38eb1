import Foundation

/// An `onesaas-sim` process serving a store of `orders` orders on a free port, stopped by
/// `stop()` (and never left behind: the benchmark stops it on every path).
final class SimulatedStore {
    static let accessKey = "sim-access-key"

    let process: Process
    let port: Int

    init(binDirectory: String, orders: Int, pageLatencyMilliseconds: Int, workDirectory: String, arguments extra: [String] = []) throws {
        let portFile = workDirectory + "/sim-\(pageLatencyMilliseconds)ms.port"
        try? FileManager.default.removeItem(atPath: portFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binDirectory + "/onesaas-sim")
        process.arguments = [
            "--port", "0", "--port-file", portFile, "--orders", String(orders),
            "--access-key", Self.accessKey, "--page-latency-ms", String(pageLatencyMilliseconds),
        ] + extra
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: workDirectory + "/sim.log", contents: nil)
        process.standardError = FileHandle(forWritingAtPath: workDirectory + "/sim.log")
        try process.run()
        self.process = process

        // Generating a large store takes a while before the port file appears.
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
               let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                self.port = port
                return
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        if process.isRunning { process.terminate() }
        throw BenchError("onesaas-sim did not start; see \(workDirectory)/sim.log")
    }

    var baseURL: String { "http://127.0.0.1:\(port)/onesaas_connect/index/index" }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
