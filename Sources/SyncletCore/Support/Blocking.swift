import Foundation

/// Runs blocking work (a database call, a wait for a lock, standard input) on a thread outside
/// Swift's cooperative pool, which has only as many threads as cores: a blocked pool thread
/// would stall every task of the process.
///
/// ```swift
/// let row = try await Blocking.run { try connection.query("SELECT GET_LOCK(?, 60)", [name]) }
/// ```
public enum Blocking {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
