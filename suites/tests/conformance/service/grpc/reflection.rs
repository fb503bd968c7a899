//! Set `grpc/reflection`: gRPC server reflection, v1 and v1alpha: listing the services and
//! resolving symbols.

use std::collections::BTreeSet;

use prost::Message as _;
use tonic::Code;

use crate::conformance::service::helpers::{ensure, st, status_text, Options, Service};
use crate::conformance::service::job::Env;
use crate::conformance::service::recording::Recorder;

pub(crate) async fn reflection(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::{ServerReflectionRequest, ServerReflectionResponse};

    let service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let expected = [
        "sonet.v1.Directory",
        "sonet.v1.Delivery",
        "sonet.v1.Keys",
        "grpc.health.v1.Health",
    ];
    let ask = |request: MessageRequest| {
        let channel = channel.clone();
        async move {
            let request = ServerReflectionRequest {
                host: String::new(),
                message_request: Some(request),
            };
            let mut responses = ServerReflectionClient::new(channel)
                .server_reflection_info(tokio_stream::iter([request]))
                .await
                .map_err(st)?
                .into_inner();
            let response: ServerReflectionResponse = responses
                .message()
                .await
                .map_err(st)?
                .ok_or("no reflection response")?;
            response
                .message_response
                .ok_or_else(|| "empty reflection response".to_owned())
        }
    };
    let listed = |names: Vec<String>, protocol: &str| {
        let missing: Vec<&str> = expected
            .iter()
            .filter(|e| !names.iter().any(|n| n == *e))
            .copied()
            .collect();
        if missing.is_empty() {
            Ok(format!("{protocol} lists {}", names.join(", ")))
        } else {
            Err(format!("{protocol}: {missing:?} missing from {names:?}"))
        }
    };
    let result = match ask(MessageRequest::ListServices(String::new())).await {
        Ok(MessageResponse::ListServicesResponse(list)) => {
            listed(list.service.into_iter().map(|s| s.name).collect(), "v1")
        }
        Ok(other) => Err(format!("unexpected response {other:?}")),
        Err(e) => Err(e),
    };
    rec.check("v1 ListServices", result);

    let result = async {
        use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;
        use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let response = ServerReflectionClient::new(channel.clone())
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .map_err(st)?
            .into_inner()
            .message()
            .await
            .map_err(st)?
            .ok_or("no v1alpha reflection response")?;
        match response.message_response {
            Some(MessageResponse::ListServicesResponse(list)) => listed(
                list.service.into_iter().map(|s| s.name).collect(),
                "v1alpha",
            ),
            other => Err(format!("unexpected v1alpha response {other:?}")),
        }
    }
    .await;
    rec.check("v1alpha ListServices", result);

    // grpcurl describe: the file that defines a symbol, decoded.
    let describe = |symbol: &'static str,
                    service: &'static str,
                    methods: &'static [&'static str]| {
        let ask = &ask;
        async move {
            let files = match ask(MessageRequest::FileContainingSymbol(symbol.to_owned())).await? {
                MessageResponse::FileDescriptorResponse(files) => files.file_descriptor_proto,
                other => return Err(format!("unexpected response {other:?}")),
            };
            for bytes in &files {
                let file = prost_types::FileDescriptorProto::decode(bytes.as_slice())
                    .map_err(|e| format!("a returned file descriptor does not decode: {e}"))?;
                let Some(found) = file
                    .service
                    .iter()
                    .find(|s| format!("{}.{}", file.package(), s.name()) == service)
                else {
                    continue;
                };
                let declared: BTreeSet<&str> = found.method.iter().map(|m| m.name()).collect();
                let wanted: BTreeSet<&str> = methods.iter().copied().collect();
                ensure(declared == wanted, || {
                    format!("{service} declares {declared:?}, expected {wanted:?}")
                })?;
                return Ok(format!(
                    "{} file descriptor(s); {} declares {service} with {}",
                    files.len(),
                    file.name(),
                    methods.join(", ")
                ));
            }
            Err(format!("no returned file declares {service}"))
        }
    };
    rec.check(
        "v1 FileContainingSymbol sonet.v1.Delivery",
        describe(
            "sonet.v1.Delivery",
            "sonet.v1.Delivery",
            &[
                "CreateGroup",
                "SubmitCommit",
                "SubmitProposal",
                "SendMessage",
                "GetGroup",
                "Subscribe",
            ],
        )
        .await,
    );
    rec.check(
        "v1 FileContainingSymbol grpc.health.v1.Health",
        describe(
            "grpc.health.v1.Health",
            "grpc.health.v1.Health",
            &["Check", "Watch"],
        )
        .await,
    );
    // The reflection protocol answers an unknown symbol with an ErrorResponse; tonic-reflection
    // ends the stream with the same code instead. Either way the client must learn NOT_FOUND.
    let result = async {
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::FileContainingSymbol(
                "sonet.v1.NoSuchService".into(),
            )),
        };
        let mut responses = ServerReflectionClient::new(channel.clone())
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .map_err(st)?
            .into_inner();
        match responses.message().await {
            Ok(Some(ServerReflectionResponse {
                message_response: Some(MessageResponse::ErrorResponse(error)),
                ..
            })) if error.error_code == Code::NotFound as i32 => Ok(format!(
                "sonet.v1.NoSuchService: ErrorResponse NOT_FOUND: {}",
                error.error_message
            )),
            Err(status) if status.code() == Code::NotFound => Ok(format!(
                "sonet.v1.NoSuchService: the stream ends with {} (tonic-reflection's form of \
                 the protocol's ErrorResponse)",
                status_text(&status)
            )),
            Err(status) => Err(format!("expected NOT_FOUND, got {}", status_text(&status))),
            Ok(other) => Err(format!("expected NOT_FOUND, got {other:?}")),
        }
    }
    .await;
    rec.check("v1 unknown symbol", result);
    Ok(())
}
