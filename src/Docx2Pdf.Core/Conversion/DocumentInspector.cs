using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using System.Xml;

namespace Docx2Pdf.Conversion;

/// <summary>What the pre-checks learned about an input that LibreOffice may see.</summary>
/// <param name="FilterName">The import filter LibreOffice is forced to use.</param>
/// <param name="Encrypted">An encrypted OOXML package (a CFB file holding EncryptedPackage).</param>
/// <param name="EmbedsFonts">The document carries fonts, which stay active in the LibreOffice process afterwards.</param>
/// <param name="ExternalReferences">Relationships that point outside the package (images, templates, OLE links).</param>
/// <param name="DecryptedPath">For an encrypted input decrypted in .NET: the plain package to give LibreOffice instead.</param>
internal sealed record DocumentFacts(string FilterName, bool Encrypted, bool EmbedsFonts, int ExternalReferences, string? DecryptedPath = null);

/// <summary>
/// Checks run before LibreOffice sees an input: format enabled, container real, zip-bomb limits, main part present,
/// encryption and embedded fonts detected. Failures are <see cref="DocumentRejectedException"/>.
/// </summary>
internal static class DocumentInspector
{
    private static readonly byte[] CfbSignature = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    private static readonly byte[] ZipSignature = [0x50, 0x4B, 0x03, 0x04];
    private static readonly byte[] EncryptedPackageName = Encoding.Unicode.GetBytes("EncryptedPackage");
    private const long RatioCheckFloor = 1024 * 1024;

    public static string FilterFor(InputFormat format) => format switch
    {
        InputFormat.Docx => "MS Word 2007 XML",
        InputFormat.Doc => "MS Word 97",
        InputFormat.Odt => "writer8",
        InputFormat.Rtf => "Rich Text Format",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    public static DocumentFacts Inspect(string path, PdfConversionOptions options, LibreOfficeOptions limits, CancellationToken cancellationToken = default)
    {
        if (!limits.EnabledFormats.Contains(options.Format))
        {
            throw new DocumentRejectedException(FailureKind.UnsupportedFormat, $"The input format {options.Format} is not enabled (see {LibreOfficeOptions.SectionName}:EnabledFormats).");
        }

        var length = new FileInfo(path).Length;
        if (length == 0)
        {
            throw new DocumentRejectedException(FailureKind.InvalidDocument, "The document is empty.");
        }

        Span<byte> head = stackalloc byte[8];
        using (var f = File.OpenRead(path))
        {
            head = head[..f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        }

        var filter = FilterFor(options.Format);
        var isCfb = head.StartsWith(CfbSignature);
        switch (options.Format)
        {
            case InputFormat.Docx:
                if (isCfb)
                {
                    if (!ContainsEncryptedPackage(path, cancellationToken))
                    {
                        throw new DocumentRejectedException(FailureKind.InvalidDocument, "The document is an OLE compound file, not a .docx package (perhaps a Word 97-2003 .doc).");
                    }

                    if (options.Password is null)
                    {
                        throw new DocumentRejectedException(FailureKind.PasswordProtected, "The document is password-protected and no password was supplied.");
                    }

                    var decrypted = path + ".decrypted";
                    if (EncryptedPackage.TryDecrypt(path, options.Password, decrypted, cancellationToken))
                    {
                        Span<byte> plainHead = stackalloc byte[8];
                        using (var f = File.OpenRead(decrypted))
                        {
                            plainHead = plainHead[..f.ReadAtLeast(plainHead, plainHead.Length, throwOnEndOfStream: false)];
                        }

                        return InspectPackage(decrypted, plainHead, limits, filter, "word/document.xml", requireContentTypes: true, cancellationToken) with { Encrypted = true, DecryptedPath = decrypted };
                    }

                    // Not agile encryption (e.g. standard): LibreOffice decrypts it with the password.
                    return new DocumentFacts(filter, Encrypted: true, EmbedsFonts: false, ExternalReferences: 0);
                }

                return InspectPackage(path, head, limits, filter, "word/document.xml", requireContentTypes: true, cancellationToken);
            case InputFormat.Odt:
                return InspectPackage(path, head, limits, filter, "content.xml", requireContentTypes: false, cancellationToken);
            case InputFormat.Doc:
                return isCfb
                    ? new DocumentFacts(filter, Encrypted: false, EmbedsFonts: false, ExternalReferences: 0)
                    : throw new DocumentRejectedException(FailureKind.InvalidDocument, "The document is not a Word 97-2003 (OLE compound) file.");
            case InputFormat.Rtf:
                return head.StartsWith("{\\rtf"u8)
                    ? new DocumentFacts(filter, Encrypted: false, EmbedsFonts: false, ExternalReferences: 0)
                    : throw new DocumentRejectedException(FailureKind.InvalidDocument, "The document is not an RTF file.");
            default:
                throw new DocumentRejectedException(FailureKind.UnsupportedFormat, $"The input format {options.Format} is not supported.");
        }
    }

    private static bool ContainsEncryptedPackage(string path, CancellationToken cancellationToken)
    {
        // The CFB directory stores stream names in UTF-16LE; an encrypted OOXML file has an "EncryptedPackage" stream.
        // Scanned in a small buffer (the tail of each block is kept so a name across two blocks is found).
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var buffer = new byte[64 * 1024];
        var keep = 0;
        int read;
        while ((read = file.Read(buffer, keep, buffer.Length - keep)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var filled = keep + read;
            if (buffer.AsSpan(0, filled).IndexOf(EncryptedPackageName) >= 0)
            {
                return true;
            }

            keep = Math.Min(filled, EncryptedPackageName.Length - 1);
            buffer.AsSpan(filled - keep, keep).CopyTo(buffer);
        }

        return false;
    }

    private static DocumentFacts InspectPackage(string path, ReadOnlySpan<byte> head, LibreOfficeOptions limits, string filter, string defaultMainPart, bool requireContentTypes, CancellationToken cancellationToken)
    {
        if (!head.StartsWith(ZipSignature))
        {
            throw new DocumentRejectedException(FailureKind.InvalidDocument, "The document is not a ZIP package.");
        }

        try
        {
            // Counted from the end-of-central-directory record and the directory headers, before ZipArchive builds an
            // object per entry.
            ZipDirectory.CheckEntryCount(path, limits.MaxZipEntries, cancellationToken);
            using var zip = ZipFile.OpenRead(path);
            var entries = zip.Entries;
            if (entries.Count > limits.MaxZipEntries)
            {
                throw new DocumentRejectedException(FailureKind.InvalidDocument, $"The package has {entries.Count} entries, more than {LibreOfficeOptions.SectionName}:MaxZipEntries ({limits.MaxZipEntries}).");
            }

            long total = 0;
            var parts = new Dictionary<string, ZipArchiveEntry>(StringComparer.OrdinalIgnoreCase);
            var embedsFonts = false;
            foreach (var e in entries)
            {
                total += e.Length;
                if (total > limits.MaxUncompressedBytes)
                {
                    throw new DocumentRejectedException(FailureKind.InvalidDocument, $"The package expands to more than {LibreOfficeOptions.SectionName}:MaxUncompressedBytes ({limits.MaxUncompressedBytes} bytes).");
                }

                if (e.Length > RatioCheckFloor && e.Length > (long)limits.MaxCompressionRatio * Math.Max(1, e.CompressedLength))
                {
                    throw new DocumentRejectedException(FailureKind.InvalidDocument, $"A package entry is compressed more than {LibreOfficeOptions.SectionName}:MaxCompressionRatio ({limits.MaxCompressionRatio}:1) allows.");
                }

                // Part names are unique ignoring case (OPC); a second entry of the same name could be the one LibreOffice
                // reads while this scan reads the first.
                if (!parts.TryAdd(e.FullName, e))
                {
                    throw new DocumentRejectedException(FailureKind.InvalidDocument, "The package has two entries with the same name.");
                }

                if (e.FullName.StartsWith("word/fonts/", StringComparison.OrdinalIgnoreCase) ||
                    e.FullName.EndsWith(".odttf", StringComparison.OrdinalIgnoreCase) ||
                    e.FullName.StartsWith("Fonts/", StringComparison.Ordinal))
                {
                    embedsFonts = true;
                }
            }

            if (!parts.ContainsKey(defaultMainPart) || (requireContentTypes && !parts.ContainsKey("[Content_Types].xml")))
            {
                throw new DocumentRejectedException(FailureKind.InvalidDocument, $"The package has no main document part ({defaultMainPart}) or no content types.");
            }

            // Decompress everything once: counts the real expanded size (declared sizes can lie) and lets the
            // ZIP reader reject corrupt data (bad CRC, broken deflate) before LibreOffice sees it. This comes before any
            // XML is parsed, so no parser reads more than the limits allow.
            var buffer = new byte[81920];
            long expanded = 0;
            foreach (var e in entries)
            {
                using var s = e.Open();
                var crc = new Crc32();
                int read;
                while ((read = s.Read(buffer, 0, buffer.Length)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    expanded += read;
                    if (expanded > limits.MaxUncompressedBytes)
                    {
                        throw new DocumentRejectedException(FailureKind.InvalidDocument, $"The package expands to more than {LibreOfficeOptions.SectionName}:MaxUncompressedBytes ({limits.MaxUncompressedBytes} bytes).");
                    }

                    crc.Append(buffer.AsSpan(0, read));
                }

                if (crc.GetCurrentHashAsUInt32() != e.Crc32)
                {
                    throw new DocumentRejectedException(FailureKind.InvalidDocument, "A package entry is corrupt (CRC-32 mismatch).");
                }
            }

            var external = 0;
            var fontTables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (parts.ContainsKey("word/fontTable.xml"))
            {
                fontTables.Add("word/fontTable.xml");
            }

            // Every .rels, whatever its size (the pass above bounded them all): a font table reached through an unread one
            // would go unseen.
            foreach (var e in entries.Where(e => e.FullName.EndsWith(".rels", StringComparison.OrdinalIgnoreCase)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var source = PackageFonts.SourcePartOf(e.FullName);
                var readable = PackageFonts.ReadRelationships(e, (id, type, target, isExternal) =>
                {
                    if (isExternal && !type.EndsWith("/hyperlink", StringComparison.Ordinal))
                    {
                        external++;
                    }

                    if (type.EndsWith("/font", StringComparison.Ordinal) || type.Contains("/embeddedFont", StringComparison.OrdinalIgnoreCase))
                    {
                        embedsFonts = true;
                    }

                    // LibreOffice finds the font table by relationship type, wherever it lies.
                    if (!isExternal && type.EndsWith("/fontTable", StringComparison.Ordinal) && fontTables.Count < PackageFonts.MaxFontTables)
                    {
                        fontTables.Add(PackageFonts.Resolve(source, target));
                    }
                });

                // A .rels this reader cannot read (an entity, broken XML) may still point LibreOffice at a font table.
                embedsFonts |= !readable;
            }

            embedsFonts = embedsFonts
                || fontTables.Any(table => PackageFonts.FontTableEmbeds(parts, table))
                || (defaultMainPart == "content.xml" && PackageFonts.OdfEmbeds(parts));
            return new DocumentFacts(filter, Encrypted: false, embedsFonts, external);
        }
        catch (InvalidDataException ex)
        {
            throw new DocumentRejectedException(FailureKind.InvalidDocument, "The document is not a readable ZIP package.", ex);
        }
        catch (IOException ex)
        {
            throw new DocumentRejectedException(FailureKind.InvalidDocument, "The document is not a readable ZIP package.", ex);
        }
    }
}
