//! go-plugin's auxiliary services. Terraform opens the stdio and broker
//! streams on every launch and calls Shutdown when it is done with us; none
//! of them may keep the process alive after Shutdown.

use std::pin::Pin;

use futures::Stream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::logging;
use crate::protocol::plugin as pb;

/// Answers Shutdown, then exits the process shortly after the reply is on
/// the wire: Terraform waits 2 s and then kills providers that linger.
pub(crate) struct Controller {
    pub on_shutdown: mpsc::Sender<()>,
}

#[tonic::async_trait]
impl pb::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<pb::Empty>) -> Result<Response<pb::Empty>, Status> {
        logging::debug("Received shutdown request", &[("tf_rpc", "Shutdown")]);
        let _ = self.on_shutdown.try_send(());
        Ok(Response::new(pb::Empty {}))
    }
}

/// We never write to stdout or stderr through this channel (logs go to the
/// real stderr, which go-plugin reads directly), so the stream stays idle.
pub(crate) struct Stdio;

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl pb::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = BoxStream<pb::StdioData>;

    async fn stream_stdio(&self, _: Request<()>) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(Box::pin(futures::stream::pending())))
    }
}

/// Terraform providers never dial back through the broker; we accept the
/// stream, drain it, and end ours when the client ends theirs.
pub(crate) struct Broker;

#[tonic::async_trait]
impl pb::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = BoxStream<pb::ConnInfo>;

    async fn start_stream(
        &self,
        request: Request<Streaming<pb::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut inbound = request.into_inner();
        let (tx, rx) = mpsc::channel::<Result<pb::ConnInfo, Status>>(1);
        tokio::spawn(async move {
            while let Ok(Some(_)) = inbound.message().await {}
            drop(tx);
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
