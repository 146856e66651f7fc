using System.Text;

namespace Docx2Pdf.Storage;

/// <summary>Cloud Storage naming rules, checked the same way by every store.</summary>
internal static class StorageNames
{
    /// <summary>Cloud Storage's limit on an object name, in UTF-8 bytes.</summary>
    public const int MaxObjectNameBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Checks a bucket name against Cloud Storage's rules (3-63 characters: a-z, 0-9, '-', '_', '.'; starts and ends with a letter or digit).</summary>
    public static void ValidateBucket(string bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        if (bucket.Length is < 3 or > 63 || !IsLetterOrDigit(bucket[0]) || !IsLetterOrDigit(bucket[^1]) || bucket.Contains("..", StringComparison.Ordinal))
        {
            throw InvalidBucket(bucket);
        }

        foreach (var c in bucket)
        {
            if (!IsLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                throw InvalidBucket(bucket);
            }
        }

        static bool IsLetterOrDigit(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
    }

    /// <summary>Checks an object name: non-empty, well-formed Unicode, at most 1024 UTF-8 bytes. Returns its UTF-8 bytes.</summary>
    public static byte[] ValidateObjectName(string bucket, string objectName)
    {
        ArgumentException.ThrowIfNullOrEmpty(objectName);
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(objectName);
        }
        catch (EncoderFallbackException ex)
        {
            throw new StorageException(FailureKind.StoragePermanent, $"An object name in bucket '{bucket}' is not well-formed Unicode (unpaired surrogate); Cloud Storage names are UTF-8.", ex);
        }

        if (bytes.Length > MaxObjectNameBytes)
        {
            throw new StorageException(FailureKind.StoragePermanent, $"An object name in bucket '{bucket}' is {bytes.Length} UTF-8 bytes long; Cloud Storage allows at most {MaxObjectNameBytes}.");
        }

        return bytes;
    }

    private static StorageException InvalidBucket(string bucket) =>
        new(FailureKind.StoragePermanent, $"'{Truncate(bucket)}' is not a valid bucket name: use 3-63 characters from a-z, 0-9, '-', '_' and '.', starting and ending with a letter or digit. Check the configured bucket name.");

    private static string Truncate(string s) => s.Length <= 80 ? s : string.Concat(s.AsSpan(0, 80), "...");
}
