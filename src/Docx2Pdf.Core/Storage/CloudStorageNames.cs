using System.Net;
using System.Text;

namespace Docx2Pdf.Storage;

/// <summary>
/// Cloud Storage's naming rules, the one place they are written: the event reader, the pipeline and both stores ask here.
/// Object names (cloud.google.com/storage/docs/objects#naming): any valid Unicode, 1 to 1,024 bytes in UTF-8, no carriage
/// return or line feed, not <c>.</c> or <c>..</c>, not starting with <c>.well-known/acme-challenge/</c>. Bucket names
/// (cloud.google.com/storage/docs/buckets#naming): 3 to 63 characters of a-z, 0-9, <c>-</c>, <c>_</c> and <c>.</c>,
/// starting and ending with a letter or digit; with dots up to 222 characters, each dot-separated part at most 63; not an
/// IP address; not starting with <c>goog</c>; not containing <c>google</c> (or <c>g00gle</c>).
/// </summary>
internal static class CloudStorageNames
{
    /// <summary>Cloud Storage's limit on an object name, in UTF-8 bytes.</summary>
    public const int MaxObjectNameBytes = 1024;

    /// <summary>The longest bucket name without dots.</summary>
    public const int MaxBucketNameLength = 63;

    /// <summary>The longest bucket name with dots (each dot-separated part at most <see cref="MaxBucketNameLength"/>).</summary>
    public const int MaxDottedBucketNameLength = 222;

    private const string AcmeChallengePrefix = ".well-known/acme-challenge/";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Checks a name for a new object against Cloud Storage's rules. Returns <see langword="null"/> when it is valid, else why not.</summary>
    public static string? CheckObjectName(string? name)
    {
        if (CheckExistingObjectName(name) is { } problem)
        {
            return problem;
        }

        if (name!.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            return "the name contains a line break, which Cloud Storage does not allow in object names";
        }

        if (name is "." or "..")
        {
            return "Cloud Storage does not allow the object names \".\" and \"..\"";
        }

        return name!.StartsWith(AcmeChallengePrefix, StringComparison.Ordinal)
            ? $"Cloud Storage does not allow object names starting with {AcmeChallengePrefix}"
            : null;
    }

    /// <summary>
    /// The rules every object that exists satisfies, including those named before Cloud Storage refused line breaks: 1 to
    /// 1,024 UTF-8 bytes of valid Unicode. An event naming such an object is a valid event; whether the pipeline can write
    /// a PDF for it is <see cref="CheckObjectName"/>'s question. Returns <see langword="null"/> when it is valid, else why not.
    /// </summary>
    public static string? CheckExistingObjectName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "the name is empty";
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(name);
        }
        catch (EncoderFallbackException)
        {
            return "the name is not valid Unicode (an unpaired surrogate)";
        }

        return bytes > MaxObjectNameBytes
            ? $"the name is {bytes} UTF-8 bytes, over Cloud Storage's limit of {MaxObjectNameBytes}"
            : null;
    }

    /// <summary>Checks a bucket name against Cloud Storage's rules. Returns <see langword="null"/> when it is valid, else why not.</summary>
    public static string? CheckBucketName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "the bucket name is empty";
        }

        var dotted = name.Contains('.', StringComparison.Ordinal);
        var limit = dotted ? MaxDottedBucketNameLength : MaxBucketNameLength;
        if (name.Length < 3 || name.Length > limit)
        {
            return dotted
                ? $"a bucket name with dots has 3 to {MaxDottedBucketNameLength} characters"
                : $"a bucket name has 3 to {MaxBucketNameLength} characters ({MaxDottedBucketNameLength} with dots)";
        }

        foreach (var c in name)
        {
            if (!IsLowerLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return "a bucket name uses only a-z, 0-9, '-', '_' and '.' (no upper case)";
            }
        }

        if (!IsLowerLetterOrDigit(name[0]) || !IsLowerLetterOrDigit(name[^1]))
        {
            return "a bucket name starts and ends with a letter or digit";
        }

        if (dotted)
        {
            foreach (var part in name.Split('.'))
            {
                if (part.Length is 0 or > MaxBucketNameLength)
                {
                    return $"each dot-separated part of a bucket name has 1 to {MaxBucketNameLength} characters";
                }
            }

            if (IPAddress.TryParse(name, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && name.Count(c => c == '.') == 3)
            {
                return "a bucket name cannot be an IP address";
            }
        }

        if (name.StartsWith("goog", StringComparison.Ordinal) || name.Contains("google", StringComparison.Ordinal) || name.Contains("g00gle", StringComparison.Ordinal))
        {
            return "a bucket name cannot start with \"goog\" or contain \"google\"";
        }

        return null;

        static bool IsLowerLetterOrDigit(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
    }

    /// <summary>For the stores: throws <see cref="StorageException"/> (<see cref="FailureKind.StoragePermanent"/>) unless <paramref name="bucket"/> is a valid bucket name.</summary>
    public static void ValidateBucket(string bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        if (CheckBucketName(bucket) is { } problem)
        {
            throw new StorageException(FailureKind.StoragePermanent, $"'{Truncate(bucket)}' is not a valid bucket name: {problem}. Check the configured bucket name.");
        }
    }

    /// <summary>For the stores: throws <see cref="StorageException"/> (<see cref="FailureKind.StoragePermanent"/>) unless <paramref name="objectName"/> is a valid object name; returns its UTF-8 bytes.</summary>
    public static byte[] ValidateObjectName(string bucket, string objectName)
    {
        ArgumentException.ThrowIfNullOrEmpty(objectName);
        if (CheckObjectName(objectName) is { } problem)
        {
            throw new StorageException(FailureKind.StoragePermanent, $"An object name in bucket '{Truncate(bucket)}' is not valid in Cloud Storage: {problem}.");
        }

        return StrictUtf8.GetBytes(objectName);
    }

    /// <summary>Shortens a name quoted in a message.</summary>
    public static string Truncate(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "...");
}
