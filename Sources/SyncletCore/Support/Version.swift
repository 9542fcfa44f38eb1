/// The version printed by `--version`; `make` passes the build's commit through
/// `SYNCLET_BUILD_COMMIT` at build time when it can.
public enum SyncletVersion {
    public static let version = "0.1.0"
}
