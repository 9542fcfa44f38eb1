import NIOCore
import NIOHTTP1
import SimulatorHTTP

/// Turns NIO's request parts into `HTTPRequest`s and writes `HTTPResponse`s back, honouring
/// keep-alive, delays and dropped answers.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let simulator: Simulator
    private var collector = HTTPRequestCollector()
    private var pending: (task: Scheduled<Void>, completion: (@Sendable () -> Void)?)?

    init(simulator: Simulator) {
        self.simulator = simulator
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let (requestHead, body) = collector.collect(unwrapInboundIn(data)) else { return }
        let request = HTTPRequest(method: requestHead.method.rawValue, uri: requestHead.uri,
                                  headers: requestHead.headers.map { ($0.name, $0.value) }, body: body)
        let response = simulator.respond(to: request)
        simulator.log(request, response)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        if response.delayMilliseconds > 0 {
            let task = context.eventLoop.scheduleTask(in: .milliseconds(Int64(response.delayMilliseconds))) {
                let (handler, context) = loopBound.value
                handler.pending = nil
                handler.deliver(response, to: requestHead, context: context)
            }
            pending = (task, response.completion)
        } else {
            deliver(response, to: requestHead, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A client that gave up while its answer was delayed still ends its request.
        if let pending {
            pending.task.cancel()
            pending.completion?()
        }
        pending = nil
        context.fireChannelInactive()
    }

    private func deliver(_ response: HTTPResponse, to requestHead: HTTPRequestHead, context: ChannelHandlerContext) {
        if case .drop = response.delivery {
            context.close(promise: nil)
            response.completion?()
            return
        }
        let keepAlive = requestHead.isKeepAlive
        var headers = HTTPHeaders()
        headers.add(name: "Server", value: "qbo-sim")
        headers.add(name: "intuit_tid", value: simulator.nextTransactionId())
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: requestHead.version, status: status, headers: headers))),
                      promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let completion = response.completion
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { loopBound.value.close(promise: nil) }
            completion?()
        }
    }
}
