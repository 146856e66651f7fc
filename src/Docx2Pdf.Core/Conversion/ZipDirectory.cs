using System.Buffers.Binary;

namespace Docx2Pdf.Conversion;

/// <summary>
/// Reads a ZIP file's entry count from its end-of-central-directory record (ZIP64 too), and checks it against the central
/// directory's headers, before any ZIP reader turns the entries into objects: a package that claims or holds more entries
/// than allowed is turned away at the cost of reading its directory headers once, in a small buffer.
/// </summary>
internal static class ZipDirectory
{
    private const int EocdLength = 22;
    private const int MaxCommentLength = ushort.MaxValue;
    private const int Zip64LocatorLength = 20;
    private const int Zip64EocdLength = 56;
    private const int CentralHeaderLength = 46;

    /// <summary>
    /// Throws <see cref="DocumentRejectedException"/> when the package declares or holds more than
    /// <paramref name="maxEntries"/> entries, or has no readable end-of-central-directory record.
    /// </summary>
    public static void CheckEntryCount(string path, int maxEntries, CancellationToken cancellationToken)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 16 * 1024);
        var length = file.Length;
        var (declared, directoryOffset, directorySize) = ReadEndOfCentralDirectory(file, length);
        if (declared > (ulong)maxEntries)
        {
            throw TooMany(declared.ToString(System.Globalization.CultureInfo.InvariantCulture), maxEntries);
        }

        if (directoryOffset > (ulong)length || directorySize > (ulong)length - directoryOffset)
        {
            throw Unreadable();
        }

        // The record can understate the count: count the headers themselves (fixed part plus three lengths each).
        file.Position = (long)directoryOffset;
        var end = (long)(directoryOffset + directorySize);
        Span<byte> header = stackalloc byte[CentralHeaderLength];
        var count = 0;
        while (file.Position + CentralHeaderLength <= end)
        {
            if ((count & 0x3FF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            file.ReadExactly(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != 0x02014b50)
            {
                break;
            }

            if (++count > maxEntries)
            {
                throw TooMany($"more than {maxEntries}", maxEntries);
            }

            var skip = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[30..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
            file.Seek(skip, SeekOrigin.Current);
        }
    }

    private static (ulong Entries, ulong DirectoryOffset, ulong DirectorySize) ReadEndOfCentralDirectory(FileStream file, long length)
    {
        if (length < EocdLength)
        {
            throw Unreadable();
        }

        // The record sits at the end, after a comment of up to 65535 bytes: search backwards, as ZIP readers do.
        var tailLength = (int)Math.Min(length, EocdLength + MaxCommentLength);
        var tail = new byte[tailLength];
        file.Position = length - tailLength;
        file.ReadExactly(tail);
        var at = -1;
        for (var i = tailLength - EocdLength; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == 0x06054b50)
            {
                at = i;
                break;
            }
        }

        if (at < 0)
        {
            throw Unreadable();
        }

        var eocd = tail.AsSpan(at, EocdLength);
        ulong entries = BinaryPrimitives.ReadUInt16LittleEndian(eocd[10..]);
        ulong size = BinaryPrimitives.ReadUInt32LittleEndian(eocd[12..]);
        ulong offset = BinaryPrimitives.ReadUInt32LittleEndian(eocd[16..]);
        if (entries != ushort.MaxValue && size != uint.MaxValue && offset != uint.MaxValue)
        {
            return (entries, offset, size);
        }

        // ZIP64: a locator just before the record points at the ZIP64 record with 64-bit values.
        var locatorAt = length - tailLength + at - Zip64LocatorLength;
        if (locatorAt < 0)
        {
            return (entries, offset, size);
        }

        Span<byte> locator = stackalloc byte[Zip64LocatorLength];
        file.Position = locatorAt;
        file.ReadExactly(locator);
        if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != 0x07064b50)
        {
            return (entries, offset, size);
        }

        var zip64At = BinaryPrimitives.ReadUInt64LittleEndian(locator[8..]);
        if (zip64At > (ulong)(length - Zip64EocdLength))
        {
            throw Unreadable();
        }

        Span<byte> zip64 = stackalloc byte[Zip64EocdLength];
        file.Position = (long)zip64At;
        file.ReadExactly(zip64);
        if (BinaryPrimitives.ReadUInt32LittleEndian(zip64) != 0x06064b50)
        {
            throw Unreadable();
        }

        return (BinaryPrimitives.ReadUInt64LittleEndian(zip64[32..]), BinaryPrimitives.ReadUInt64LittleEndian(zip64[48..]), BinaryPrimitives.ReadUInt64LittleEndian(zip64[40..]));
    }

    private static DocumentRejectedException TooMany(string count, int max) =>
        new(FailureKind.InvalidDocument, $"The package has {count} entries, more than {LibreOfficeOptions.SectionName}:MaxZipEntries ({max}).");

    private static DocumentRejectedException Unreadable() =>
        new(FailureKind.InvalidDocument, "The document is not a readable ZIP package (no valid end-of-central-directory record).");
}
