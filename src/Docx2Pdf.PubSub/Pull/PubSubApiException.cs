using System.Net;

namespace Docx2Pdf.PubSub.Pull;

/// <summary>The Pub/Sub API answered with an error status (after the resilience handler's retries, if any).</summary>
internal sealed class PubSubApiException : Exception
{
    public PubSubApiException(string resource, string operation, HttpStatusCode statusCode, string? status, string? serverMessage)
        : base($"Pub/Sub {operation} on {resource} failed with HTTP {(int)statusCode} {status}: {serverMessage}")
    {
        Resource = resource;
        Operation = operation;
        StatusCode = statusCode;
        Status = status;
        ServerMessage = serverMessage;
    }

    public PubSubApiException()
        : this("(unknown)", "(unknown)", HttpStatusCode.InternalServerError, null, null)
    {
    }

    public PubSubApiException(string message)
        : base(message)
    {
        Resource = Operation = "(unknown)";
    }

    public PubSubApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Resource = Operation = "(unknown)";
    }

    public string Resource { get; }

    public string Operation { get; }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The canonical status, for example <c>NOT_FOUND</c> or <c>PERMISSION_DENIED</c>.</summary>
    public string? Status { get; }

    public string? ServerMessage { get; }

    /// <summary>403 or 404: configuration errors that no retry fixes; an operator has to act.</summary>
    public bool IsConfigurationError => StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Unauthorized;
}
