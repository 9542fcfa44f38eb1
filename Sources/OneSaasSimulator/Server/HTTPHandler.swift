import NIOCore
import NIOHTTP1
import SimulatorHTTP

/// Turns NIO's request parts into `SimulatorRequest`s and writes `SimulatorResponse`s back,
/// honouring keep-alive, latency, truncation and held (timed-out) requests.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let simulator: Simulator
    private var collector = HTTPRequestCollector()
    private var pendingTask: Scheduled<Void>?

    init(simulator: Simulator) {
        self.simulator = simulator
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let (requestHead, body) = collector.collect(unwrapInboundIn(data)) else { return }
        let request = SimulatorRequest(method: requestHead.method.rawValue, uri: requestHead.uri, body: body)
        let response = simulator.respond(to: request)
        log(request, response)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        if let holdSeconds = response.holdSeconds {
            // The timeout fault: say nothing, then hang up, as a stuck PHP worker behind a proxy does.
            pendingTask = context.eventLoop.scheduleTask(in: .seconds(Int64(holdSeconds))) {
                loopBound.value.1.close(promise: nil)
            }
            return
        }
        if response.delayMilliseconds > 0 {
            pendingTask = context.eventLoop.scheduleTask(in: .milliseconds(Int64(response.delayMilliseconds))) {
                let (handler, context) = loopBound.value
                handler.pendingTask = nil
                handler.write(response, to: requestHead, context: context)
            }
        } else {
            write(response, to: requestHead, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pendingTask?.cancel()
        pendingTask = nil
        context.fireChannelInactive()
    }

    private func write(_ response: SimulatorResponse, to requestHead: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = requestHead.isKeepAlive && !response.closesConnection
        var headers = HTTPHeaders()
        // Stamped when sent, from the store's clock, so a client can compare it with LastUpdatedDate.
        headers.add(name: "Date", value: UTCTime.httpDateText(simulator.store.clock.now()))
        headers.add(name: "Server", value: "nginx")
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        for (name, value) in response.extraHeaders { headers.add(name: name, value: value) }
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: requestHead.version, status: status, headers: headers))),
                      promise: nil)
        if let pause = response.trickleMilliseconds {
            context.flush()
            trickle(response.body[...], pause: pause, keepAlive: keepAlive, context: context)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        finish(afterSending: response.afterSending, keepAlive: keepAlive, context: context)
    }

    /// Sends one byte, then the rest after `pause`, like a PHP worker flushing as it crawls along.
    private func trickle(_ rest: ArraySlice<UInt8>, pause: Int, keepAlive: Bool, context: ChannelHandlerContext) {
        guard let byte = rest.first else {
            finish(afterSending: nil, keepAlive: keepAlive, context: context)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 1)
        buffer.writeInteger(byte)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let remaining = rest.dropFirst()
        pendingTask = context.eventLoop.scheduleTask(in: .milliseconds(Int64(pause))) {
            let (handler, context) = loopBound.value
            handler.pendingTask = nil
            handler.trickle(remaining, pause: pause, keepAlive: keepAlive, context: context)
        }
    }

    private func finish(afterSending: (@Sendable () -> Void)?, keepAlive: Bool, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { loopBound.value.close(promise: nil) }
            afterSending?()
        }
    }

    private func log(_ request: SimulatorRequest, _ response: SimulatorResponse) {
        guard let requestLog = simulator.configuration.requestLog else { return }
        // The access key is a secret of the store: it never reaches the log.
        let query = request.query.filter { $0.key != "AccessKey" }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        let held = response.holdSeconds.map { " held \($0)s" } ?? ""
        requestLog("\(request.method) \(request.path)\(query.isEmpty ? "" : "?" + query) -> \(response.status) \(response.body.count)B\(held)")
    }
}
