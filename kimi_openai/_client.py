"""``KimiOpenAI`` and ``AsyncKimiOpenAI``: openai's clients, pointed at Moonshot.

Built the way openai's own ``AzureOpenAI`` is: resolve what is Kimi-specific,
then hand everything to ``super().__init__``; swap resources by overriding the
client's ``cached_property``; override ``copy`` and re-bind ``with_options``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Self, Unpack, cast

import openai
from openai import DEFAULT_MAX_RETRIES, NOT_GIVEN, NotGiven, Timeout
from openai._client import (
    AsyncOpenAIWithRawResponse,
    AsyncOpenAIWithStreamedResponse,
    OpenAIWithRawResponse,
    OpenAIWithStreamedResponse,
)
from openai._models import FinalRequestOptions
from openai._types import HttpxSendArgs
from typing_extensions import override

from ._client_hooks import KimiClientHooks, malformed_response
from ._compat import httpx
from ._config import check_http_client, read_dotenv, resolve_endpoint
from ._constants import Region
from ._pipeline import KimiSettings, prepare_options
from ._reasoning_echo import ReasoningEchoPolicy, ReasoningStore
from ._retry import (
    DEFAULT_RETRY_POLICY,
    RetryConfig,
    coerce_retry_policy,
    read_error_body_async,
)
from ._rules.chat import TokenLimitField
from ._state import (
    NewerOpenAIOptions,
    check_newer_options,
    copied_endpoint,
    copied_headers,
    copied_query,
    forget_openai_environment,
    inherited,
    kimi_inherited,
    moonshot_api_key,
    openai_keywords,
    refuse_platform_only,
)

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
    "KimiOpenAI",
    "KimiOpenAIWithRawResponse",
    "KimiOpenAIWithStreamedResponse",
]


class KimiOpenAI(KimiClientHooks, openai.OpenAI):
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
        max_tokens_field: TokenLimitField = "max_tokens",
        normalize_tool_schemas: bool = True,
        reasoning_echo: ReasoningEchoPolicy = "auto",
        k2_tool_call_markup: bool = False,
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
            base_url: overrides ``MOONSHOT_BASE_URL`` and the endpoint ``region`` picks
                (a proxy, or a self-hosted OpenAI-compatible engine).
            admin_api_key, workload_identity, provider, data_residency: OpenAI-platform
                options that Moonshot has no counterpart for. Accepted at their default
                (``None``, no effect); any other value raises ``KimiConfigurationError``.
            _enforce_credentials: as for openai: ``False`` builds the client even when no
                Moonshot key is found (``OPENAI_API_KEY`` is still never used).
            **openai_options: a keyword of an openai release newer than this package,
                passed to ``openai.OpenAI`` unchanged.

        Every other argument is ``openai.OpenAI``'s, with the same meaning.
        """
        refuse_platform_only(
            {
                "admin_api_key": admin_api_key,
                "workload_identity": workload_identity,
                "provider": provider,
                "data_residency": data_residency,
            }
        )
        if openai_options:
            check_newer_options(type(self).__name__, super().__init__, openai_options)
        base = None if isinstance(base_url, NotGiven) else base_url
        dotenv: Mapping[str, str] = read_dotenv() if api_key is None or base is None else {}
        url, fronts = resolve_endpoint(base, region, dotenv)
        retry = coerce_retry_policy(
            retry_policy, default=replace(DEFAULT_RETRY_POLICY, max_retries=max_retries), sync=True
        )
        check_http_client(http_client, sync=True)
        super().__init__(
            api_key=moonshot_api_key(api_key, dotenv, enforce=_enforce_credentials),
            organization=organization,
            project=project,
            webhook_secret=webhook_secret,
            base_url=url,
            websocket_base_url=websocket_base_url,
            timeout=timeout,
            max_retries=retry.sdk_max_retries,
            default_headers=default_headers,
            default_query=default_query,
            http_client=http_client,
            _strict_response_validation=_strict_response_validation,
            **openai_keywords(_enforce_credentials, openai_options),
        )
        forget_openai_environment(self, organization, project, webhook_secret, default_headers)
        self._kimi_newer_options = dict(openai_options)
        self._kimi_fronts = fronts
        self._retry = retry
        self._kimi = KimiSettings(
            validation, max_tokens_field, normalize_tool_schemas, reasoning_echo, k2_tool_call_markup
        )
        self._reasoning = ReasoningStore()

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
        max_tokens_field: TokenLimitField | None = None,
        normalize_tool_schemas: bool | None = None,
        reasoning_echo: ReasoningEchoPolicy | None = None,
        k2_tool_call_markup: bool | None = None,
        _enforce_credentials: bool | None = None,
        _extra_kwargs: Mapping[str, Any] = {},
        **openai_options: Unpack[NewerOpenAIOptions],
    ) -> Self:
        """A new client with the same settings (Kimi ones included), some of them overridden."""
        base = None if isinstance(base_url, NotGiven) else base_url
        url, fronted = copied_endpoint(self.base_url, self._kimi_fronts, base, region)
        newer: NewerOpenAIOptions = cast("NewerOpenAIOptions", {**self._kimi_newer_options, **openai_options})
        copied = self.__class__(
            api_key=api_key or self._api_key_provider or self.api_key or None,
            admin_api_key=admin_api_key,
            workload_identity=workload_identity,
            provider=None if isinstance(provider, NotGiven) else provider,
            data_residency=data_residency,
            region=fronted,
            base_url=url,
            http_client=http_client or self._client,
            _enforce_credentials=True if _enforce_credentials is None else _enforce_credentials,
            **kimi_inherited(
                self._kimi,
                self._retry,
                retry_policy=retry_policy,
                max_retries=max_retries,
                validation=validation,
                max_tokens_field=max_tokens_field,
                normalize_tool_schemas=normalize_tool_schemas,
                reasoning_echo=reasoning_echo,
                k2_tool_call_markup=k2_tool_call_markup,
            ),
            **inherited(
                self,
                organization=organization,
                project=project,
                webhook_secret=webhook_secret,
                websocket_base_url=websocket_base_url,
                timeout=timeout,
                headers=copied_headers(self._custom_headers, default_headers, set_default_headers),
                query=copied_query(self._custom_query, default_query, set_default_query),
            ),
            **_extra_kwargs,
            **newer,
        )
        copied._reasoning = self._reasoning  # one memory of reasoning across with_options() copies
        return copied

    # Re-bound so that it points at the override, not at openai's copy().
    with_options = copy

    @override
    def request(  # pyright: ignore[reportIncompatibleMethodOverride]
        self, cast_to: Any, options: FinalRequestOptions, *, stream: bool = False, stream_cls: Any = None
    ) -> Any:
        # A tenacity object given as retry_policy owns the retries (the SDK's are 0): it
        # wraps each request, gated by is_retryable (see RetrySetup.sync_retrying).
        if self._retry.retrying is None:
            return super().request(cast_to, options, stream=stream, stream_cls=stream_cls)
        send = super().request
        return self._retry.sync_retrying()(send, cast_to, options, stream=stream, stream_cls=stream_cls)

    @override
    def _process_response(self, **kwargs: Any) -> Any:
        try:
            return super()._process_response(**kwargs)
        except json.JSONDecodeError as exc:  # see malformed_response
            raise malformed_response(kwargs["response"], exc) from exc

    @override
    def _prepare_options(self, options: FinalRequestOptions) -> FinalRequestOptions:
        return prepare_options(
            super()._prepare_options(options),
            self._kimi,
            self._reasoning,
            moonshot_hosted=self.region is not None,
        )


class AsyncKimiOpenAI(KimiClientHooks, openai.AsyncOpenAI):
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
        max_tokens_field: TokenLimitField = "max_tokens",
        normalize_tool_schemas: bool = True,
        reasoning_echo: ReasoningEchoPolicy = "auto",
        k2_tool_call_markup: bool = False,
        _strict_response_validation: bool = False,
        _enforce_credentials: bool = True,
        **openai_options: Unpack[NewerOpenAIOptions],
    ) -> None:
        """Construct an async Kimi client; the arguments are those of :class:`KimiOpenAI`."""
        refuse_platform_only(
            {
                "admin_api_key": admin_api_key,
                "workload_identity": workload_identity,
                "provider": provider,
                "data_residency": data_residency,
            }
        )
        if openai_options:
            check_newer_options(type(self).__name__, super().__init__, openai_options)
        base = None if isinstance(base_url, NotGiven) else base_url
        dotenv: Mapping[str, str] = read_dotenv() if api_key is None or base is None else {}
        url, fronts = resolve_endpoint(base, region, dotenv)
        retry = coerce_retry_policy(
            retry_policy, default=replace(DEFAULT_RETRY_POLICY, max_retries=max_retries)
        )
        check_http_client(http_client, sync=False)
        super().__init__(
            api_key=moonshot_api_key(api_key, dotenv, enforce=_enforce_credentials),
            organization=organization,
            project=project,
            webhook_secret=webhook_secret,
            base_url=url,
            websocket_base_url=websocket_base_url,
            timeout=timeout,
            max_retries=retry.sdk_max_retries,
            default_headers=default_headers,
            default_query=default_query,
            http_client=http_client,
            _strict_response_validation=_strict_response_validation,
            **openai_keywords(_enforce_credentials, openai_options),
        )
        forget_openai_environment(self, organization, project, webhook_secret, default_headers)
        self._kimi_newer_options = dict(openai_options)
        self._kimi_fronts = fronts
        self._retry = retry
        self._kimi = KimiSettings(
            validation, max_tokens_field, normalize_tool_schemas, reasoning_echo, k2_tool_call_markup
        )
        self._reasoning = ReasoningStore()

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
        max_tokens_field: TokenLimitField | None = None,
        normalize_tool_schemas: bool | None = None,
        reasoning_echo: ReasoningEchoPolicy | None = None,
        k2_tool_call_markup: bool | None = None,
        _enforce_credentials: bool | None = None,
        _extra_kwargs: Mapping[str, Any] = {},
        **openai_options: Unpack[NewerOpenAIOptions],
    ) -> Self:
        """A new client with the same settings (Kimi ones included), some of them overridden."""
        base = None if isinstance(base_url, NotGiven) else base_url
        url, fronted = copied_endpoint(self.base_url, self._kimi_fronts, base, region)
        newer: NewerOpenAIOptions = cast("NewerOpenAIOptions", {**self._kimi_newer_options, **openai_options})
        copied = self.__class__(
            api_key=api_key or self._api_key_provider or self.api_key or None,
            admin_api_key=admin_api_key,
            workload_identity=workload_identity,
            provider=None if isinstance(provider, NotGiven) else provider,
            data_residency=data_residency,
            region=fronted,
            base_url=url,
            http_client=http_client or self._client,
            _enforce_credentials=True if _enforce_credentials is None else _enforce_credentials,
            **kimi_inherited(
                self._kimi,
                self._retry,
                retry_policy=retry_policy,
                max_retries=max_retries,
                validation=validation,
                max_tokens_field=max_tokens_field,
                normalize_tool_schemas=normalize_tool_schemas,
                reasoning_echo=reasoning_echo,
                k2_tool_call_markup=k2_tool_call_markup,
            ),
            **inherited(
                self,
                organization=organization,
                project=project,
                webhook_secret=webhook_secret,
                websocket_base_url=websocket_base_url,
                timeout=timeout,
                headers=copied_headers(self._custom_headers, default_headers, set_default_headers),
                query=copied_query(self._custom_query, default_query, set_default_query),
            ),
            **_extra_kwargs,
            **newer,
        )
        copied._reasoning = self._reasoning  # one memory of reasoning across with_options() copies
        return copied

    with_options = copy

    @override
    async def _prepare_options(self, options: FinalRequestOptions) -> FinalRequestOptions:
        return prepare_options(
            await super()._prepare_options(options),
            self._kimi,
            self._reasoning,
            moonshot_hosted=self.region is not None,
        )

    @override
    async def request(  # pyright: ignore[reportIncompatibleMethodOverride]
        self, cast_to: Any, options: FinalRequestOptions, *, stream: bool = False, stream_cls: Any = None
    ) -> Any:
        # See KimiOpenAI.request: a tenacity object owns the retries when one was given.
        if self._retry.retrying is None:
            return await super().request(cast_to, options, stream=stream, stream_cls=stream_cls)
        send = super().request
        return await self._retry.async_retrying()(
            send, cast_to, options, stream=stream, stream_cls=stream_cls
        )

    @override
    async def _process_response(self, **kwargs: Any) -> Any:
        try:
            return await super()._process_response(**kwargs)
        except json.JSONDecodeError as exc:  # see malformed_response
            raise malformed_response(kwargs["response"], exc) from exc

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
