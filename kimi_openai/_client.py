"""``KimiOpenAI`` and ``AsyncKimiOpenAI``: openai's clients, pointed at Moonshot.

Built the way openai's own ``AzureOpenAI`` is: a generic base (:class:`BaseKimiClient`)
overrides the hooks openai calls around each request; each client resolves what is
Kimi-specific and hands the rest to ``super().__init__``, swaps resources by overriding the
client's ``cached_property``, overrides ``copy`` and re-binds ``with_options``.

The constructor and ``copy()`` signatures are spelled out (type checkers and openai's
copy-signature test read them); their bodies pass ``locals()`` to the one construction path
in ``_state`` (:func:`~kimi_openai._state.construct`, :func:`~kimi_openai._state.copy_arguments`),
shared by both clients.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Self, Unpack, cast

import openai
from openai import DEFAULT_MAX_RETRIES, NOT_GIVEN, AsyncStream, NotGiven, Stream, Timeout
from openai._base_client import BaseClient, _DefaultStreamT, _HttpxClientT  # pyright: ignore[reportPrivateUsage]
from openai._client import (
    AsyncOpenAIWithRawResponse,
    AsyncOpenAIWithStreamedResponse,
    OpenAIWithRawResponse,
    OpenAIWithStreamedResponse,
)
from openai._models import FinalRequestOptions
from openai._streaming import SSEDecoder
from openai._types import HttpxSendArgs, ResponseT
from typing_extensions import override

from ._compat import httpx
from ._config import logger, moonpalace_endpoint, rules_off_notice
from ._constants import CHAT_COMPLETIONS_PATH, MOONPALACE_PORT, Region, TokenLimitSetting
from ._errors import MalformedResponseError, make_status_error
from ._reasoning_echo import ReasoningEchoPolicy
from ._redaction import redact_url_userinfo
from ._retry import RetryConfig, read_error_body_async, should_retry_response
from ._rules.model_specs import model_hint
from ._state import (
    KimiState,
    NewerOpenAIOptions,
    construct,
    copy_arguments,
    forget_openai_environment,
    platform_of,
)
from ._store import KeyValueStore
from ._usage import UsageTotals

if TYPE_CHECKING:
    # Resources are imported when first used, as openai does: `import kimi_openai` stays light.
    from .resources.batches import (
        AsyncKimiBatches,
        AsyncKimiBatchesWithRawResponse,
        AsyncKimiBatchesWithStreamingResponse,
        KimiBatches,
        KimiBatchesWithRawResponse,
        KimiBatchesWithStreamingResponse,
    )
    from .resources.chat import AsyncKimiChat, KimiChat
    from .resources.chat.chat import (
        AsyncKimiChatWithRawResponse,
        AsyncKimiChatWithStreamingResponse,
        KimiChatWithRawResponse,
        KimiChatWithStreamingResponse,
    )
    from .resources.files import (
        AsyncKimiFiles,
        AsyncKimiFilesWithRawResponse,
        AsyncKimiFilesWithStreamingResponse,
        KimiFiles,
        KimiFilesWithRawResponse,
        KimiFilesWithStreamingResponse,
    )
    from .resources.formulas import (
        AsyncFormulas,
        AsyncFormulasWithRawResponse,
        AsyncFormulasWithStreamingResponse,
        Formulas,
        FormulasWithRawResponse,
        FormulasWithStreamingResponse,
    )
    from .resources.models import (
        AsyncKimiModels,
        AsyncKimiModelsWithRawResponse,
        AsyncKimiModelsWithStreamingResponse,
        KimiModels,
        KimiModelsWithRawResponse,
        KimiModelsWithStreamingResponse,
    )
    from .resources.responses import AsyncKimiResponses, KimiResponses
    from .resources.tokenizers import (
        AsyncTokenizers,
        AsyncTokenizersWithRawResponse,
        AsyncTokenizersWithStreamingResponse,
        Tokenizers,
        TokenizersWithRawResponse,
        TokenizersWithStreamingResponse,
    )
    from .resources.users import (
        AsyncUsers,
        AsyncUsersWithRawResponse,
        AsyncUsersWithStreamingResponse,
        Users,
        UsersWithRawResponse,
        UsersWithStreamingResponse,
    )

__all__ = [
    "AsyncKimiOpenAI",
    "AsyncKimiOpenAIWithRawResponse",
    "AsyncKimiOpenAIWithStreamedResponse",
    "BaseKimiClient",
    "KimiOpenAI",
    "KimiOpenAIWithRawResponse",
    "KimiOpenAIWithStreamedResponse",
]


class BaseKimiClient(BaseClient[_HttpxClientT, _DefaultStreamT]):
    """What both Kimi clients do the same way around openai's request cycle: the hooks openai calls.

    Nothing here awaits or does I/O. Listed first among a client's bases (as openai's
    ``BaseAzureClient`` is), so these override openai's hooks.
    """

    _kimi_state: KimiState
    """The client's Kimi options, retry setup and memory of reasoning (read with ``kimi_state_of``)."""

    _kimi_region: tuple[object, Region | None] | None = None
    """:attr:`region`, with the base URL it was worked out for."""

    @property
    def region(self) -> Region | None:
        """The Moonshot platform this client talks to; ``None`` for a self-hosted engine.

        A proxy's base URL counts as the platform given with it: ``KimiOpenAI(base_url=proxy, region="cn")``.
        """
        # Read on every request: worked out again only when the base URL was replaced.
        base_url = self._base_url
        known = self._kimi_region
        if known is not None and known[0] is base_url:
            return known[1]
        region = platform_of(self)
        self._kimi_region = (base_url, region)
        return region

    @property
    def usage(self) -> UsageTotals:
        """Requests, tokens, cache hits and cost of every chat request of this client and its copies.

        ``client.usage.cost()`` prices them at list price in the platform's currency;
        ``client.usage.reset()`` starts again from zero.
        """
        return self._kimi_state.usage

    def __repr__(self) -> str:
        # Never the key, nor a password in the base URL: reprs end up in logs, tracebacks and bug reports.
        base_url = redact_url_userinfo(str(self.base_url))
        return f"{type(self).__name__}(base_url={base_url!r}, region={self.region!r})"

    @override
    def _make_sse_decoder(self) -> SSEDecoder:
        # The same events as openai's decoder, with lines split at C speed (see _sse).
        from ._sse import KimiSSEDecoder  # loaded with the first stream

        return KimiSSEDecoder()

    @override
    def _make_status_error(
        self, err_msg: str, *, body: object, response: httpx.Response
    ) -> openai.APIStatusError:
        # On Moonshot's platform a 404 names the replacement of a retired id, or the closest known id.
        hint = model_hint if self.region is not None else None
        return make_status_error(err_msg, body=body, response=response, model_hint=hint)

    @override
    def _should_retry(self, response: httpx.Response) -> bool:
        # openai retries every 429; Moonshot's error.type tells a quota error (never retried)
        # from overload and rate limits: https://platform.kimi.ai/docs/api/errors
        return should_retry_response(response, retry_after_cap=self._kimi_state.retry.policy.retry_after_cap)

    @override
    def _calculate_retry_timeout(
        self,
        remaining_retries: int,
        options: FinalRequestOptions,
        response_headers: httpx.Headers | None = None,
    ) -> float:
        policy = self._kimi_state.retry.policy
        if policy.waits_as_openai:
            # openai's own computation (the same numbers, Retry-After-Ms / Retry-After honoured up to
            # the same cap): what tunes or patches openai's back-off applies here too.
            return super()._calculate_retry_timeout(remaining_retries, options, response_headers)
        attempt = options.get_max_retries(self.max_retries) - remaining_retries
        return policy.wait_seconds(attempt, headers=response_headers)

    @override
    def _process_response_data(
        self, *, data: object, cast_to: type[ResponseT], response: httpx.Response
    ) -> ResponseT:
        # Every parsed body passes here, with_raw_response(...).parse() included.
        from ._pipeline import after_completion, fast_completion, response_cast  # see _prepare_options

        result = fast_completion(data, cast_to, strict=self._strict_response_validation)
        if result is None:
            return after_completion(
                super()._process_response_data(data=data, cast_to=response_cast(cast_to), response=response),
                self._kimi_state,
                response=response,
            )
        return cast("ResponseT", after_completion(result, self._kimi_state, response=response))


def malformed_response(response: httpx.Response, exc: json.JSONDecodeError) -> MalformedResponseError:
    """The typed error for a 2xx JSON body openai could not decode (a cut-off answer), not a traceback.

    openai decodes the body with ``response.json()`` in ``_process_response``, before any
    data hook, and only for a JSON content type (other bodies come back as text), so the
    clients catch the decoding error there. ``with_raw_response(...).parse()`` decodes
    later, outside the client, and keeps openai's behaviour.
    """
    return MalformedResponseError(response, f"{exc.msg} at character {exc.pos}")


_RULES_OFF = "rules_off"


def note_rules_off(client: BaseKimiClient[Any, Any], options: FinalRequestOptions) -> None:
    """Log, once per client, that a Moonshot model went where Moonshot's rules are off (see ``rules_off_notice``)."""
    notices = client._kimi_state.notices  # pyright: ignore[reportPrivateUsage]
    if _RULES_OFF in notices or options.url != CHAT_COMPLETIONS_PATH:
        return
    body = cast("object", options.json_data)
    model = cast("Mapping[str, object]", body).get("model") if isinstance(body, Mapping) else None
    notice = rules_off_notice(client.base_url, model)
    if notice is not None:
        notices.add(_RULES_OFF)
        logger.warning("%s", notice)


class KimiOpenAI(BaseKimiClient[httpx.Client, Stream[Any]], openai.OpenAI):
    """A drop-in ``openai.OpenAI`` for the Kimi API (Moonshot AI).

    Everything ``openai.OpenAI`` does keeps working; Kimi defaults apply only
    where the caller did not say otherwise.
    """

    def __init__(
        self,
        *,
        api_key: str | Callable[[], str] | None = None,
        admin_api_key: None = None,
        workload_identity: None = None,
        region: Region | None = None,
        organization: str | None = None,
        project: str | None = None,
        webhook_secret: str | None = None,
        provider: None = None,
        base_url: str | httpx.URL | NotGiven | None = None,
        data_residency: None = None,
        websocket_base_url: str | httpx.URL | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        http_client: httpx.Client | None = None,
        retry_policy: RetryConfig | None = None,
        validation: bool = True,
        max_tokens_field: TokenLimitSetting = "auto",
        normalize_tool_schemas: bool = True,
        reasoning_echo: ReasoningEchoPolicy = "auto",
        k2_tool_call_markup: bool = False,
        reasoning_store: KeyValueStore | None = None,
        prompt_cache_key: str | None = None,
        _strict_response_validation: bool = False,
        _enforce_credentials: bool = True,
        **openai_options: Unpack[NewerOpenAIOptions],
    ) -> None:
        """Construct a Kimi client.

        Args:
            api_key: your Moonshot key; defaults to ``MOONSHOT_API_KEY``, then
                ``KIMI_API_KEY``, then the same names in ``./.env``. A callable
                returning the key is accepted, as by ``openai.OpenAI``.
            region: ``"global"`` (https://api.moonshot.ai/v1, the default) or
                ``"cn"`` (https://api.moonshot.cn/v1). Keys work on one platform only.
                With a base URL that is not Moonshot's (argument or ``MOONSHOT_BASE_URL``):
                the platform that URL fronts, so Moonshot's rules still apply through a proxy.
            base_url: overrides ``MOONSHOT_BASE_URL`` / ``KIMI_BASE_URL`` and the endpoint ``region`` picks
                (a proxy, or a self-hosted OpenAI-compatible engine).
            admin_api_key, workload_identity, provider, data_residency: OpenAI-platform
                options that Moonshot has no counterpart for. Accepted at their default
                (``None``, no effect); any other value raises ``KimiConfigurationError``.
            prompt_cache_key: sent as ``prompt_cache_key`` with every chat request that does not
                give its own (a call's value wins), so requests sharing a long prefix land on
                the same cache; see docs/configuration.md for when caching applies.
            _enforce_credentials: as for openai: ``False`` builds the client even when no
                Moonshot key is found (``OPENAI_API_KEY`` is still never used).
            **openai_options: a keyword of an openai release newer than this package,
                passed to ``openai.OpenAI`` unchanged.

        Every other argument is ``openai.OpenAI``'s, with the same meaning.
        """
        openai_arguments, state = construct(locals(), super().__init__, sync=True)
        super().__init__(**openai_arguments)
        forget_openai_environment(self, openai_arguments)
        self._kimi_state = state

    @cached_property
    @override
    def chat(self) -> KimiChat:  # pyright: ignore[reportIncompatibleMethodOverride]
        from .resources.chat import KimiChat

        return KimiChat(self)

    @cached_property
    @override
    def files(self) -> KimiFiles:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's files, with Moonshot's purposes, pre-upload checks, extraction and ``ms://`` media."""
        from .resources.files import KimiFiles

        return KimiFiles(self)

    @cached_property
    @override
    def batches(self) -> KimiBatches:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's batches, with Moonshot's completion windows (12h to 7d) and metadata limits."""
        from .resources.batches import KimiBatches

        return KimiBatches(self)

    @cached_property
    def tokenizers(self) -> Tokenizers:
        """Kimi's token estimate: ``POST /tokenizers/estimate-token-count``."""
        from .resources.tokenizers import Tokenizers

        return Tokenizers(self)

    @cached_property
    def users(self) -> Users:
        """Kimi's account endpoints: ``balance()``."""
        from .resources.users import Users

        return Users(self)

    @cached_property
    def formulas(self) -> Formulas:
        """Moonshot's official tools: tool declarations and fiber calls."""
        from .resources.formulas import Formulas

        return Formulas(self)

    @cached_property
    @override
    def responses(self) -> KimiResponses:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's Responses API, through Moonshot's rules and the client's memory of responses."""
        from .resources.responses import KimiResponses

        return KimiResponses(self)

    @cached_property
    @override
    def models(self) -> KimiModels:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's models, with Moonshot's model fields typed."""
        from .resources.models import KimiModels

        return KimiModels(self)

    @cached_property
    @override
    def with_raw_response(self) -> KimiOpenAIWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's, with every Kimi resource and method (``partial``, ``files.extract``, ``tokenizers``...)."""
        return KimiOpenAIWithRawResponse(self)

    @cached_property
    @override
    def with_streaming_response(self) -> KimiOpenAIWithStreamedResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's, with every Kimi resource and method (``partial``, ``files.extract``, ``tokenizers``...)."""
        return KimiOpenAIWithStreamedResponse(self)

    @override
    # The parameters of openai's copy() (the OpenAI-platform ones refused as by the
    # constructor) plus the Kimi settings; the signature differs from openai's in types.
    def copy(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        *,
        api_key: str | Callable[[], str] | None = None,
        admin_api_key: None = None,
        workload_identity: None = None,
        provider: NotGiven | None = NOT_GIVEN,
        region: Region | None = None,
        organization: str | None = None,
        project: str | None = None,
        webhook_secret: str | None = None,
        websocket_base_url: str | httpx.URL | None = None,
        base_url: str | httpx.URL | NotGiven | None = None,
        data_residency: None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        http_client: httpx.Client | None = None,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        set_default_query: Mapping[str, object] | None = None,
        retry_policy: RetryConfig | None = None,
        validation: bool | None = None,
        max_tokens_field: TokenLimitSetting | None = None,
        normalize_tool_schemas: bool | None = None,
        reasoning_echo: ReasoningEchoPolicy | None = None,
        k2_tool_call_markup: bool | None = None,
        reasoning_store: KeyValueStore | None = None,
        prompt_cache_key: str | None = None,
        _enforce_credentials: bool | None = None,
        _extra_kwargs: Mapping[str, Any] = {},
        **openai_options: Unpack[NewerOpenAIOptions],
    ) -> Self:
        """A new client with the same settings (Kimi ones included), some of them overridden."""
        named, extra, newer = copy_arguments(self, self._kimi_state, locals())
        copied = self.__class__(**named, **extra, **newer)
        # One memory of reasoning across with_options() copies.
        copied._kimi_state = copied._kimi_state.remembering_with(self._kimi_state)
        return copied

    # Re-bound so that it points at the override, not at openai's copy().
    with_options = copy

    @override
    def request(  # pyright: ignore[reportIncompatibleMethodOverride]
        self, cast_to: Any, options: FinalRequestOptions, *, stream: bool = False, stream_cls: Any = None
    ) -> Any:
        # A tenacity object given as retry_policy owns the retries (the SDK's are 0): it
        # wraps each request, gated by is_retryable (see _retry_tenacity.sync_retrying).
        if self._kimi_state.retry.retrying is None:
            return super().request(cast_to, options, stream=stream, stream_cls=stream_cls)
        send = super().request
        from ._retry_tenacity import sync_retrying  # tenacity loads with the first such request

        return sync_retrying(self._kimi_state.retry)(
            send, cast_to, options, stream=stream, stream_cls=stream_cls
        )

    @override
    def _process_response(self, **kwargs: Any) -> Any:
        try:
            return super()._process_response(**kwargs)
        except json.JSONDecodeError as exc:  # see malformed_response
            raise malformed_response(kwargs["response"], exc) from exc

    def with_moonpalace(
        self, *, port: int = MOONPALACE_PORT, host: str = "127.0.0.1", region: Region | None = None
    ) -> Self:
        """A copy sending every request through MoonPalace, Moonshot's local debugging proxy.

        ``http://{host}:{port}/v1``, declared as a proxy of this client's platform (or of
        ``region``), so Moonshot's request rules keep applying. MoonPalace must forward to that
        platform (its ``--endpoint``); everything else is kept, as by ``copy()``.
        """
        url, fronts = moonpalace_endpoint(self.region, host=host, port=port, region=region)
        return self.copy(base_url=url, region=fronts)

    @override
    def _prepare_options(self, options: FinalRequestOptions) -> FinalRequestOptions:
        # The pipeline, and Kimi's request rules with it, load with the first request, as
        # openai loads its resources when first used: ``import kimi_openai`` stays light.
        from ._pipeline import prepare_options

        hosted = self.region is not None
        prepared = prepare_options(
            super()._prepare_options(options),
            self._kimi_state,
            moonshot_hosted=hosted,
            base_url=self.base_url,
        )
        if not hosted:
            note_rules_off(self, prepared)
        return prepared


class AsyncKimiOpenAI(BaseKimiClient[httpx.AsyncClient, AsyncStream[Any]], openai.AsyncOpenAI):
    """A drop-in ``openai.AsyncOpenAI`` for the Kimi API (Moonshot AI). See :class:`KimiOpenAI`."""

    def __init__(
        self,
        *,
        api_key: str | Callable[[], Awaitable[str]] | None = None,
        admin_api_key: None = None,
        workload_identity: None = None,
        region: Region | None = None,
        organization: str | None = None,
        project: str | None = None,
        webhook_secret: str | None = None,
        provider: None = None,
        base_url: str | httpx.URL | NotGiven | None = None,
        data_residency: None = None,
        websocket_base_url: str | httpx.URL | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryConfig | None = None,
        validation: bool = True,
        max_tokens_field: TokenLimitSetting = "auto",
        normalize_tool_schemas: bool = True,
        reasoning_echo: ReasoningEchoPolicy = "auto",
        k2_tool_call_markup: bool = False,
        reasoning_store: KeyValueStore | None = None,
        prompt_cache_key: str | None = None,
        _strict_response_validation: bool = False,
        _enforce_credentials: bool = True,
        **openai_options: Unpack[NewerOpenAIOptions],
    ) -> None:
        """Construct an async Kimi client; the arguments are those of :class:`KimiOpenAI`."""
        openai_arguments, state = construct(locals(), super().__init__, sync=False)
        super().__init__(**openai_arguments)
        forget_openai_environment(self, openai_arguments)
        self._kimi_state = state

    @cached_property
    @override
    def chat(self) -> AsyncKimiChat:  # pyright: ignore[reportIncompatibleMethodOverride]
        from .resources.chat import AsyncKimiChat

        return AsyncKimiChat(self)

    @cached_property
    @override
    def files(self) -> AsyncKimiFiles:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's files, with Moonshot's purposes, pre-upload checks, extraction and ``ms://`` media."""
        from .resources.files import AsyncKimiFiles

        return AsyncKimiFiles(self)

    @cached_property
    @override
    def batches(self) -> AsyncKimiBatches:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's batches, with Moonshot's completion windows (12h to 7d) and metadata limits."""
        from .resources.batches import AsyncKimiBatches

        return AsyncKimiBatches(self)

    @cached_property
    def tokenizers(self) -> AsyncTokenizers:
        """Kimi's token estimate: ``POST /tokenizers/estimate-token-count``."""
        from .resources.tokenizers import AsyncTokenizers

        return AsyncTokenizers(self)

    @cached_property
    def users(self) -> AsyncUsers:
        """Kimi's account endpoints: ``balance()``."""
        from .resources.users import AsyncUsers

        return AsyncUsers(self)

    @cached_property
    def formulas(self) -> AsyncFormulas:
        """Moonshot's official tools: tool declarations and fiber calls."""
        from .resources.formulas import AsyncFormulas

        return AsyncFormulas(self)

    @cached_property
    @override
    def responses(self) -> AsyncKimiResponses:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's Responses API, through Moonshot's rules and the client's memory of responses."""
        from .resources.responses import AsyncKimiResponses

        return AsyncKimiResponses(self)

    @cached_property
    @override
    def models(self) -> AsyncKimiModels:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's models, with Moonshot's model fields typed."""
        from .resources.models import AsyncKimiModels

        return AsyncKimiModels(self)

    @cached_property
    @override
    def with_raw_response(self) -> AsyncKimiOpenAIWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's, with every Kimi resource and method (``partial``, ``files.extract``, ``tokenizers``...)."""
        return AsyncKimiOpenAIWithRawResponse(self)

    @cached_property
    @override
    def with_streaming_response(self) -> AsyncKimiOpenAIWithStreamedResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        """openai's, with every Kimi resource and method (``partial``, ``files.extract``, ``tokenizers``...)."""
        return AsyncKimiOpenAIWithStreamedResponse(self)

    @override
    # The parameters of openai's copy() (the OpenAI-platform ones refused as by the
    # constructor) plus the Kimi settings; the signature differs from openai's in types.
    def copy(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        *,
        api_key: str | Callable[[], Awaitable[str]] | None = None,
        admin_api_key: None = None,
        workload_identity: None = None,
        provider: NotGiven | None = NOT_GIVEN,
        region: Region | None = None,
        organization: str | None = None,
        project: str | None = None,
        webhook_secret: str | None = None,
        websocket_base_url: str | httpx.URL | None = None,
        base_url: str | httpx.URL | NotGiven | None = None,
        data_residency: None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        set_default_query: Mapping[str, object] | None = None,
        retry_policy: RetryConfig | None = None,
        validation: bool | None = None,
        max_tokens_field: TokenLimitSetting | None = None,
        normalize_tool_schemas: bool | None = None,
        reasoning_echo: ReasoningEchoPolicy | None = None,
        k2_tool_call_markup: bool | None = None,
        reasoning_store: KeyValueStore | None = None,
        prompt_cache_key: str | None = None,
        _enforce_credentials: bool | None = None,
        _extra_kwargs: Mapping[str, Any] = {},
        **openai_options: Unpack[NewerOpenAIOptions],
    ) -> Self:
        """A new client with the same settings (Kimi ones included), some of them overridden."""
        named, extra, newer = copy_arguments(self, self._kimi_state, locals())
        copied = self.__class__(**named, **extra, **newer)
        # One memory of reasoning across with_options() copies.
        copied._kimi_state = copied._kimi_state.remembering_with(self._kimi_state)
        return copied

    with_options = copy

    def with_moonpalace(
        self, *, port: int = MOONPALACE_PORT, host: str = "127.0.0.1", region: Region | None = None
    ) -> Self:
        """A copy sending every request through MoonPalace; see :meth:`KimiOpenAI.with_moonpalace`."""
        url, fronts = moonpalace_endpoint(self.region, host=host, port=port, region=region)
        return self.copy(base_url=url, region=fronts)

    @override
    async def _prepare_options(self, options: FinalRequestOptions) -> FinalRequestOptions:
        from ._pipeline import aprepare_options  # see KimiOpenAI._prepare_options

        hosted = self.region is not None
        prepared = await aprepare_options(
            await super()._prepare_options(options),
            self._kimi_state,
            moonshot_hosted=hosted,
            base_url=self.base_url,
        )
        if not hosted:
            note_rules_off(self, prepared)
        return prepared

    @override
    async def request(  # pyright: ignore[reportIncompatibleMethodOverride]
        self, cast_to: Any, options: FinalRequestOptions, *, stream: bool = False, stream_cls: Any = None
    ) -> Any:
        # See KimiOpenAI.request: a tenacity object owns the retries when one was given.
        if self._kimi_state.retry.retrying is None:
            return await super().request(cast_to, options, stream=stream, stream_cls=stream_cls)
        send = super().request
        from ._retry_tenacity import async_retrying  # tenacity loads with the first such request

        return await async_retrying(self._kimi_state.retry)(
            send, cast_to, options, stream=stream, stream_cls=stream_cls
        )

    @override
    async def _process_response(self, **kwargs: Any) -> Any:
        try:
            result = await super()._process_response(**kwargs)
        except json.JSONDecodeError as exc:  # see malformed_response
            raise malformed_response(kwargs["response"], exc) from exc
        # A shared reasoning store holds the answer before the caller sees it (another worker may get the next turn).
        if self._kimi_state.reasoning.shared is not None:
            await self._kimi_state.reasoning.drain()
        return result

    @override
    async def _send_request(
        self, request: httpx.Request, *, stream: bool, **kwargs: Unpack[HttpxSendArgs]
    ) -> httpx.Response:
        # _should_retry is synchronous and cannot read an async body: read an error's
        # (small) body here, where awaiting is possible, so the decision sees error.type.
        response = await super()._send_request(request, stream=stream, **kwargs)
        if response.status_code >= 400:
            await read_error_body_async(response)
        return response


class KimiOpenAIWithRawResponse(OpenAIWithRawResponse):
    """``client.with_raw_response``: openai's, leading to the Kimi resources' own ``with_raw_response``."""

    def __init__(self, client: KimiOpenAI) -> None:
        super().__init__(client)
        self._kimi_client = client

    @cached_property
    @override
    def chat(self) -> KimiChatWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.chat.with_raw_response

    @cached_property
    @override
    def files(self) -> KimiFilesWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.files.with_raw_response

    @cached_property
    @override
    def batches(self) -> KimiBatchesWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.batches.with_raw_response

    @cached_property
    @override
    def models(self) -> KimiModelsWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.models.with_raw_response

    @cached_property
    def tokenizers(self) -> TokenizersWithRawResponse:
        return self._kimi_client.tokenizers.with_raw_response

    @cached_property
    def users(self) -> UsersWithRawResponse:
        return self._kimi_client.users.with_raw_response

    @cached_property
    def formulas(self) -> FormulasWithRawResponse:
        return self._kimi_client.formulas.with_raw_response


class KimiOpenAIWithStreamedResponse(OpenAIWithStreamedResponse):
    """``client.with_streaming_response``: openai's, leading to the Kimi resources' own ``with_streaming_response``."""

    def __init__(self, client: KimiOpenAI) -> None:
        super().__init__(client)
        self._kimi_client = client

    @cached_property
    @override
    def chat(self) -> KimiChatWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.chat.with_streaming_response

    @cached_property
    @override
    def files(self) -> KimiFilesWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.files.with_streaming_response

    @cached_property
    @override
    def batches(self) -> KimiBatchesWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.batches.with_streaming_response

    @cached_property
    @override
    def models(self) -> KimiModelsWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.models.with_streaming_response

    @cached_property
    def tokenizers(self) -> TokenizersWithStreamingResponse:
        return self._kimi_client.tokenizers.with_streaming_response

    @cached_property
    def users(self) -> UsersWithStreamingResponse:
        return self._kimi_client.users.with_streaming_response

    @cached_property
    def formulas(self) -> FormulasWithStreamingResponse:
        return self._kimi_client.formulas.with_streaming_response


class AsyncKimiOpenAIWithRawResponse(AsyncOpenAIWithRawResponse):
    """``client.with_raw_response``: openai's, leading to the Kimi resources' own ``with_raw_response``."""

    def __init__(self, client: AsyncKimiOpenAI) -> None:
        super().__init__(client)
        self._kimi_client = client

    @cached_property
    @override
    def chat(self) -> AsyncKimiChatWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.chat.with_raw_response

    @cached_property
    @override
    def files(self) -> AsyncKimiFilesWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.files.with_raw_response

    @cached_property
    @override
    def batches(self) -> AsyncKimiBatchesWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.batches.with_raw_response

    @cached_property
    @override
    def models(self) -> AsyncKimiModelsWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.models.with_raw_response

    @cached_property
    def tokenizers(self) -> AsyncTokenizersWithRawResponse:
        return self._kimi_client.tokenizers.with_raw_response

    @cached_property
    def users(self) -> AsyncUsersWithRawResponse:
        return self._kimi_client.users.with_raw_response

    @cached_property
    def formulas(self) -> AsyncFormulasWithRawResponse:
        return self._kimi_client.formulas.with_raw_response


class AsyncKimiOpenAIWithStreamedResponse(AsyncOpenAIWithStreamedResponse):
    """``client.with_streaming_response``: openai's, leading to the Kimi resources' own ``with_streaming_response``."""

    def __init__(self, client: AsyncKimiOpenAI) -> None:
        super().__init__(client)
        self._kimi_client = client

    @cached_property
    @override
    def chat(self) -> AsyncKimiChatWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.chat.with_streaming_response

    @cached_property
    @override
    def files(self) -> AsyncKimiFilesWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.files.with_streaming_response

    @cached_property
    @override
    def batches(self) -> AsyncKimiBatchesWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.batches.with_streaming_response

    @cached_property
    @override
    def models(self) -> AsyncKimiModelsWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_client.models.with_streaming_response

    @cached_property
    def tokenizers(self) -> AsyncTokenizersWithStreamingResponse:
        return self._kimi_client.tokenizers.with_streaming_response

    @cached_property
    def users(self) -> AsyncUsersWithStreamingResponse:
        return self._kimi_client.users.with_streaming_response

    @cached_property
    def formulas(self) -> AsyncFormulasWithStreamingResponse:
        return self._kimi_client.formulas.with_streaming_response
