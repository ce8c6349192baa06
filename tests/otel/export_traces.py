"""Send traces to an OTLP/HTTP endpoint with the real OpenTelemetry Python SDK exporter.

Used by tests/otlp_python.rs. Environment:
  OTLP_ENDPOINT  full traces URL, e.g. http://127.0.0.1:PORT/api/v1/private/otel/v1/traces
  OTLP_PROJECT   sent as the `projectName` header (Opik's convention)
Prints one JSON object: the OTel trace ids (hex) of what it sent, by role.
"""

import json
import os
import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.trace import Status, StatusCode

from openinference.instrumentation import OITracer, TraceConfig, using_session

endpoint = os.environ["OTLP_ENDPOINT"]
project = os.environ["OTLP_PROJECT"]

exporter = OTLPSpanExporter(endpoint=endpoint, headers={"projectName": project})
provider = TracerProvider(resource=Resource.create({"service.name": "otel-e2e-service"}))
provider.add_span_processor(BatchSpanProcessor(exporter))
tracer = provider.get_tracer("opik-tui-e2e")
ids = {}

# 1. OpenInference attributes set by hand: a chain with an LLM, a tool and a failing step.
with tracer.start_as_current_span("agent-run") as root:
    ids["openinference"] = format(root.get_span_context().trace_id, "032x")
    root.set_attribute("openinference.span.kind", "CHAIN")
    root.set_attribute("input.value", "What is the weather in Paris?")
    root.set_attribute("output.value", "Sunny, 21 C")
    root.set_attribute("session.id", "sess-42")
    root.set_attribute("tag.tags", ["e2e", "weather"])
    with tracer.start_as_current_span("llm-call") as llm:
        llm.set_attribute("openinference.span.kind", "LLM")
        llm.set_attribute("llm.model_name", "gpt-4o-mini")
        llm.set_attribute("llm.provider", "openai")
        llm.set_attribute("llm.input_messages.0.message.role", "user")
        llm.set_attribute("llm.input_messages.0.message.content", "What is the weather in Paris?")
        llm.set_attribute("llm.output_messages.0.message.role", "assistant")
        llm.set_attribute("llm.output_messages.0.message.content", "Let me check.")
        llm.set_attribute("llm.token_count.prompt", 12)
        llm.set_attribute("llm.token_count.completion", 4)
    with tracer.start_as_current_span("get_weather") as tool:
        tool.set_attribute("openinference.span.kind", "TOOL")
        tool.set_attribute("input.value", '{"city": "Paris"}')
        tool.set_attribute("input.mime_type", "application/json")
    with tracer.start_as_current_span("flaky-step") as bad:
        try:
            raise ValueError("upstream timeout")
        except ValueError as e:
            bad.record_exception(e)
            bad.set_status(Status(StatusCode.ERROR, "upstream timeout"))

# 2. OpenTelemetry GenAI conventions, same conversation (thread) as the first trace.
with tracer.start_as_current_span("chat gpt-4o") as chat:
    ids["genai"] = format(chat.get_span_context().trace_id, "032x")
    chat.set_attribute("gen_ai.operation.name", "chat")
    chat.set_attribute("gen_ai.provider.name", "openai")
    chat.set_attribute("gen_ai.request.model", "gpt-4o")
    chat.set_attribute("gen_ai.response.model", "gpt-4o-2024-08-06")
    chat.set_attribute("gen_ai.usage.input_tokens", 20)
    chat.set_attribute("gen_ai.usage.output_tokens", 5)
    chat.set_attribute("gen_ai.conversation.id", "sess-42")
    chat.set_attribute(
        "gen_ai.input.messages",
        json.dumps([{"role": "user", "parts": [{"type": "text", "content": "And tomorrow?"}]}]),
    )
    chat.set_attribute(
        "gen_ai.output.messages",
        json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "Rain."}]}]),
    )

# 3. The OpenInference instrumentation library itself (OITracer + using_session).
oi = OITracer(tracer, config=TraceConfig())
with using_session("sess-oi"):
    with oi.start_as_current_span("oi-chain", openinference_span_kind="chain") as span:
        ids["oi_library"] = format(span.get_span_context().trace_id, "032x")
        span.set_input("hello from openinference")
        span.set_output("bye")

provider.force_flush()
provider.shutdown()
print(json.dumps(ids))
sys.stdout.flush()
