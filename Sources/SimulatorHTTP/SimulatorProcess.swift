import Dispatch
import Foundation

/// A simulator's server as its executable drives it.
public protocol ListeningServer: Sendable {
    /// Binds and starts listening; returns the bound port.
    func start() throws -> Int
    /// Stops accepting connections; `waitUntilStopped()` then returns. Safe from any thread.
    func stopListening()
    /// Blocks until the server stops listening.
    func waitUntilStopped() throws
    /// Closes every connection and the event loops.
    func shutdown() throws
}

/// What a simulator executable does once its options are read: listen, publish the port, and
/// serve until SIGTERM, SIGINT or the simulator's own shutdown request.
public enum SimulatorProcess {
    /// Starts `server`, writes its port to `portFile` (atomically), prints `announcement(port)`
    /// on standard output, then blocks until it stops listening and shuts it down.
    public static func serve(_ server: some ListeningServer, portFile: String?, announcement: (Int) -> String) throws {
        let boundPort = try server.start()
        if let portFile { try writeAtomically(String(boundPort) + "\n", to: portFile) }
        // Written unbuffered, so a script waiting for this line sees it at once.
        FileHandle.standardOutput.write(Data((announcement(boundPort) + "\n").utf8))
        let signalSources = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { server.stopListening() }
            source.resume()
            return source
        }
        defer { signalSources.forEach { $0.cancel() } }
        try server.waitUntilStopped()
        try server.shutdown()
    }

    /// A port file is complete or absent: a reader polling for it never sees half a number.
    static func writeAtomically(_ text: String, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        if rename(temporary, path) != 0 {
            throw PortFileError(message: "could not write the port file \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// The port file could not be put in place.
public struct PortFileError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
