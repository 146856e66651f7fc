using System.Net;
using Google;
using Google.Cloud.Storage.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using GcsObject = Google.Apis.Storage.v1.Data.Object;

namespace Docx2Pdf.Storage;

/// <summary>
/// An <see cref="IObjectStore"/> on Google Cloud Storage (JSON API through Google.Cloud.Storage.V1), or on any server that
/// speaks it (<c>STORAGE_EMULATOR_HOST</c>, <see cref="GcsObjectStoreOptions.BaseUri"/>).
/// </summary>
/// <remarks>
/// Downloads name the exact generation and require it to be live; uploads stream (resumable, in
/// <see cref="GcsObjectStoreOptions.ChunkSize"/> chunks) with content type, custom metadata and <c>ifGenerationMatch</c>.
/// Transient failures are retried by a Polly pipeline (the client's own per-call retries are turned off so the two do not
/// multiply); what remains is reported as a <see cref="StorageException"/> of the matching kind.
/// </remarks>
public sealed class GcsObjectStore : IObjectStore, IDisposable
{
    /// <summary>The environment variable that points Cloud Storage clients at an emulator (<c>host:port</c>).</summary>
    internal const string EmulatorHostVariable = "STORAGE_EMULATOR_HOST";

    private static readonly ResiliencePropertyKey<bool> CanRetryKey = new("docx2pdf.storage.can-retry");

    private readonly GcsObjectStoreOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly Lazy<Task<StorageClient>> _client;

    /// <summary>Creates the store (the constructor dependency injection uses). The client is built on first use.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock the retry delays run on.</param>
    /// <param name="logger">The logger.</param>
    public GcsObjectStore(IOptions<GcsObjectStoreOptions> options, TimeProvider timeProvider, ILogger<GcsObjectStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        var problems = new ValidateOptionsResultBuilder();
        problems.AddResult(new GcsObjectStoreOptionsValidator().Validate(null, _options));
        problems.AddResult(new GcsObjectStoreOptionsRulesValidator().Validate(null, _options));
        if (problems.Build() is { Failed: true } result)
        {
            throw new OptionsValidationException(nameof(GcsObjectStoreOptions), typeof(GcsObjectStoreOptions), result.Failures);
        }

        _logger = logger;
        _retry = BuildRetryPipeline(_options, timeProvider, logger);
        _client = new Lazy<Task<StorageClient>>(CreateClientAsync);
    }

    /// <summary>Creates the store with the given options.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public GcsObjectStore(GcsObjectStoreOptions options, TimeProvider? timeProvider = null)
        : this(Options.Create(options ?? throw new ArgumentNullException(nameof(options))), timeProvider ?? TimeProvider.System, NullLogger<GcsObjectStore>.Instance)
    {
    }

    /// <inheritdoc/>
    public async Task<ObjectInfo?> GetInfoAsync(string bucket, string objectName, CancellationToken cancellationToken = default)
    {
        Validate(bucket, objectName);
        var client = await GetClientAsync().ConfigureAwait(false);
        try
        {
            return await RunAsync("get", bucket, objectName, canRetry: true, async ct =>
            {
                var obj = await client.GetObjectAsync(bucket, objectName, new GetObjectOptions { RetryOptions = RetryOptions.Never }, ct).ConfigureAwait(false);
                return ToInfo(obj);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException ex) when (ex.Kind == FailureKind.StorageNotFound)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public async Task DownloadAsync(string bucket, string objectName, long generation, Stream destination, CancellationToken cancellationToken = default)
    {
        Validate(bucket, objectName);
        ArgumentNullException.ThrowIfNull(destination);
        var client = await GetClientAsync().ConfigureAwait(false);
        var start = destination.CanSeek ? destination.Position : 0;
        var counting = new CountingStream(destination);

        // Generation reads exactly that generation; IfGenerationMatch also requires it to be live (in a versioned bucket a
        // noncurrent generation is still readable, but the contract reports it as not found).
        var downloadOptions = new DownloadObjectOptions { Generation = generation, IfGenerationMatch = generation };
        try
        {
            await RunAsync("download", bucket, objectName, canRetry: true, async ct =>
            {
                if (counting.Written > 0)
                {
                    // Only reached when the destination can seek (see below): start this attempt afresh.
                    destination.Position = start;
                    destination.SetLength(start);
                    counting.Written = 0;
                }

                await client.DownloadObjectAsync(bucket, objectName, counting, downloadOptions, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken, () => counting.Written == 0 || destination.CanSeek).ConfigureAwait(false);
        }
        catch (StorageException ex) when (ex.Kind == FailureKind.StoragePreconditionFailed)
        {
            throw new StorageException(FailureKind.StorageNotFound, $"gs://{bucket}/{objectName} has no live generation {generation}.", ex.InnerException);
        }
    }

    /// <inheritdoc/>
    public async Task<ObjectInfo> UploadAsync(string bucket, string objectName, Stream content, ObjectWriteOptions options, CancellationToken cancellationToken = default)
    {
        Validate(bucket, objectName);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        var client = await GetClientAsync().ConfigureAwait(false);
        var start = content.CanSeek ? content.Position : 0;
        var remaining = content.CanSeek ? content.Length - start : -1;
        var chunkSize = remaining >= 0 && remaining <= _options.SingleRequestUploadThreshold
            ? RoundUpToChunkMultiple(Math.Max(remaining, 1))
            : _options.ChunkSize;
        var uploadOptions = new UploadObjectOptions { IfGenerationMatch = options.IfGenerationMatch, ChunkSize = chunkSize };

        // A write without precondition is not idempotent (Cloud Storage's retry guidance), and a stream that cannot seek
        // cannot be replayed: both get a single attempt (the resumable protocol still resumes within it).
        var canRetry = options.IfGenerationMatch is not null && content.CanSeek;
        var attempt = 0;
        return await RunAsync("upload", bucket, objectName, canRetry, async ct =>
        {
            if (attempt++ > 0)
            {
                content.Position = start;
            }

            var obj = new GcsObject
            {
                Bucket = bucket,
                Name = objectName,
                ContentType = options.ContentType,
                Metadata = options.Metadata.Count == 0 ? null : new Dictionary<string, string>(options.Metadata, StringComparer.Ordinal),
            };
            var written = await client.UploadObjectAsync(obj, content, uploadOptions, ct).ConfigureAwait(false);
            return ToInfo(written);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task DeleteAsync(string bucket, string objectName, long? ifGenerationMatch = null, CancellationToken cancellationToken = default)
    {
        Validate(bucket, objectName);
        var client = await GetClientAsync().ConfigureAwait(false);
        try
        {
            await RunAsync("delete", bucket, objectName, canRetry: true, async ct =>
            {
                await client.DeleteObjectAsync(bucket, objectName, new DeleteObjectOptions { IfGenerationMatch = ifGenerationMatch, RetryOptions = RetryOptions.Never }, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException ex) when (ex.Kind == FailureKind.StorageNotFound)
        {
            // Already gone (possibly by an earlier attempt of this call): the contract says deleting a missing object succeeds.
        }
    }

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose()
    {
        if (_client.IsValueCreated && _client.Value.IsCompletedSuccessfully)
        {
            _client.Value.Result.Dispose();
        }
    }

    /// <summary>Maps a failure of the Cloud Storage client to a <see cref="StorageException"/>.</summary>
    internal static StorageException Map(Exception exception, string operation, string bucket, string objectName) => exception switch
    {
        StorageException storage => storage,
        GoogleApiException api => api.HttpStatusCode switch
        {
            HttpStatusCode.NotFound => new StorageException(FailureKind.StorageNotFound, $"gs://{bucket}/{objectName} was not found ({operation}): the object, the generation or the bucket does not exist.", api),
            HttpStatusCode.PreconditionFailed => new StorageException(FailureKind.StoragePreconditionFailed, $"The generation precondition of the {operation} of gs://{bucket}/{objectName} did not hold.", api),
            HttpStatusCode.Unauthorized => new StorageException(FailureKind.StoragePermanent, $"Cloud Storage refused the credentials for the {operation} of gs://{bucket}/{objectName} (401): check Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS or the service account of the runtime).", api),
            HttpStatusCode.Forbidden => new StorageException(FailureKind.StoragePermanent, $"Permission denied for the {operation} of gs://{bucket}/{objectName} (403): grant the service account a role with storage.objects.* on bucket '{bucket}' (for example roles/storage.objectUser) and check the bucket name.", api),
            HttpStatusCode.BadRequest => new StorageException(FailureKind.StoragePermanent, $"Cloud Storage rejected the {operation} of gs://{bucket}/{objectName} as invalid (400): check the bucket name, the object name (at most 1024 UTF-8 bytes) and the metadata. {api.Error?.Message}", api),
            _ when IsTransientStatus(api.HttpStatusCode) => new StorageException(FailureKind.StorageTransient, $"Cloud Storage answered {(int)api.HttpStatusCode} to the {operation} of gs://{bucket}/{objectName}; retry later.", api),
            _ => new StorageException(FailureKind.StoragePermanent, $"Cloud Storage answered {(int)api.HttpStatusCode} to the {operation} of gs://{bucket}/{objectName}; check the bucket '{bucket}' and the permissions.", api),
        },
        HttpRequestException or IOException or TimeoutException or OperationCanceledException =>
            new StorageException(FailureKind.StorageTransient, $"The {operation} of gs://{bucket}/{objectName} failed on the network or timed out ({exception.GetType().Name}); retry later.", exception),
        _ => new StorageException(FailureKind.StoragePermanent, $"The {operation} of gs://{bucket}/{objectName} failed: {exception.GetType().Name}: {exception.Message}", exception),
    };

    private static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static bool IsTransient(Exception exception) => exception switch
    {
        GoogleApiException api => IsTransientStatus(api.HttpStatusCode),
        HttpRequestException or IOException or TimeoutException => true,

        // HttpClient's own timeout surfaces as a cancellation wrapping a TimeoutException.
        OperationCanceledException { InnerException: TimeoutException } => true,
        _ => false,
    };

    private static ResiliencePipeline BuildRetryPipeline(GcsObjectStoreOptions options, TimeProvider timeProvider, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxDelay = TimeSpan.FromSeconds(32),
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex
                    && !args.Context.CancellationToken.IsCancellationRequested
                    && args.Context.Properties.GetValue(CanRetryKey, false)
                    && IsTransient(ex)),
                OnRetry = args =>
                {
                    if (args.Context.Properties.TryGetValue(OperationKey, out var op))
                    {
                        Log.StorageRetrying(logger, args.Outcome.Exception!, op.Operation, op.Bucket, op.ObjectName, args.AttemptNumber + 1, args.RetryDelay);
                    }

                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }

    private static readonly ResiliencePropertyKey<(string Operation, string Bucket, string ObjectName)> OperationKey = new("docx2pdf.storage.operation");

    private async Task<T> RunAsync<T>(string operation, string bucket, string objectName, bool canRetry, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, Func<bool>? canRetryNow = null)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(CanRetryKey, canRetry);
        context.Properties.Set(OperationKey, (operation, bucket, objectName));
        try
        {
            return await _retry.ExecuteAsync(
                static async (ctx, state) =>
                {
                    try
                    {
                        return await state.action(ctx.CancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        // Re-evaluated after each attempt: a download that already wrote into a non-seekable destination cannot start over.
                        if (state.canRetryNow is not null && !state.canRetryNow())
                        {
                            ctx.Properties.Set(CanRetryKey, false);
                        }
                    }
                },
                context,
                (action, canRetryNow)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not Docx2PdfException)
        {
            // A Docx2PdfException thrown by the destination (the pipeline's byte cap) passes through as it is.
            throw Map(ex, operation, bucket, objectName);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<StorageClient> GetClientAsync()
    {
        try
        {
            return await _client.Value.ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new StorageException(FailureKind.StoragePermanent, "No Google credentials were found for Cloud Storage: set up Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, or run on Google Cloud with a service account), or set STORAGE_EMULATOR_HOST for an emulator.", ex);
        }
    }

    private async Task<StorageClient> CreateClientAsync()
    {
        var builder = new StorageClientBuilder();
        var emulatorHost = Environment.GetEnvironmentVariable(EmulatorHostVariable);
        if (_options.BaseUri is { } baseUri)
        {
            builder.BaseUri = baseUri.AbsoluteUri;
            builder.UnauthenticatedAccess = _options.UnauthenticatedAccess;
        }
        else if (!string.IsNullOrWhiteSpace(emulatorHost))
        {
            builder.BaseUri = EmulatorBaseUri(emulatorHost);
            builder.UnauthenticatedAccess = true;
        }

        if (builder.UnauthenticatedAccess)
        {
            Log.StorageUnauthenticatedEndpoint(_logger, builder.BaseUri!);
        }

        return await builder.BuildAsync().ConfigureAwait(false);
    }

    /// <summary>The JSON API base address for a <c>STORAGE_EMULATOR_HOST</c> value (<c>host:port</c> or a full <c>http://</c> address).</summary>
    internal static string EmulatorBaseUri(string emulatorHost)
    {
        var host = emulatorHost.Trim().TrimEnd('/');
        if (!host.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !host.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            host = "http://" + host;
        }

        return host + "/storage/v1/";
    }

    private int RoundUpToChunkMultiple(long size)
    {
        const int Minimum = UploadObjectOptions.MinimumChunkSize;
        var rounded = (size + Minimum - 1) / Minimum * Minimum;
        return (int)Math.Min(Math.Max(rounded, _options.ChunkSize), int.MaxValue / Minimum * Minimum);
    }

    private static void Validate(string bucket, string objectName)
    {
        CloudStorageNames.ValidateBucket(bucket);
        CloudStorageNames.ValidateObjectName(bucket, objectName);
    }

    private static ObjectInfo ToInfo(GcsObject obj) => new()
    {
        Bucket = obj.Bucket,
        Name = obj.Name,
        Generation = obj.Generation ?? 0,
        Size = (long)(obj.Size ?? 0),
        ContentType = obj.ContentType,
        ContentEncoding = string.IsNullOrEmpty(obj.ContentEncoding) ? null : obj.ContentEncoding,
        Metadata = obj.Metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(obj.Metadata, StringComparer.Ordinal),
        Updated = obj.UpdatedDateTimeOffset,
    };

    /// <summary>Passes writes through and counts them, so a retry knows whether the destination was touched.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Written += count;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Written += buffer.Length;
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            await inner.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);
            Written += count;
        }
    }
}
