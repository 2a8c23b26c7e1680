/** A provider cannot be used as configured (unknown name, missing API key, no model). Raised before a run starts. */
export class ProviderConfigError extends Error {
  readonly code = 'CONDUCTOR_PROVIDER_CONFIG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderConfigError';
  }
}

/**
 * A call to a model failed (HTTP error, bad stream, a scripted mock error). The agent step fails with
 * `error_type` = {@link ProviderError.errorType}.
 */
export class ProviderError extends Error {
  readonly code = 'CONDUCTOR_PROVIDER';
  readonly errorType: string;
  /** HTTP status, when the backend answered with one. */
  readonly status?: number;
  constructor(message: string, options: { status?: number; errorType?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.errorType = options.errorType ?? 'ProviderError';
    if (options.status !== undefined) this.status = options.status;
  }
}

/** The responses file of the mock provider is malformed or names an agent the workflow lacks. */
export class MockResponsesError extends Error {
  readonly code = 'CONDUCTOR_MOCK_RESPONSES';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MockResponsesError';
  }
}
