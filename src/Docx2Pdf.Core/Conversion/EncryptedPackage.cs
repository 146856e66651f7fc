using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Microsoft.Win32.SafeHandles;

namespace Docx2Pdf.Conversion;

/// <summary>
/// Opens password-protected OOXML files with agile encryption (MS-OFFCRYPTO 2.3.4.10-2.3.4.15) in .NET, because
/// LibreOffice 7.4 fails on some of them (AES-256 with SHA-1, e.g. poi/bug53475-password-is-pass.docx). The file is a
/// compound file (CFB) with an EncryptionInfo and an EncryptedPackage stream; the result is the plain ZIP package.
/// </summary>
/// <remarks>
/// Every value read from the file is hostile until checked: sector sizes are 512 or 4096, chains are walked at most once
/// per sector and never past the file, sizes never exceed the file, the key derivation runs at most
/// <see cref="MaxSpinCount"/> rounds and stops on cancellation. Anything malformed is
/// <see cref="FailureKind.InvalidDocument"/>; nothing else escapes but cancellation and write errors on the target.
/// </remarks>
internal static class EncryptedPackage
{
    /// <summary>MS-OFFCRYPTO 2.3.4.11: spinCount MUST be at most 10,000,000.</summary>
    public const int MaxSpinCount = 10_000_000;

    /// <summary>The XML descriptor is a few KiB; more is not an encryption header.</summary>
    private const int MaxEncryptionInfoBytes = 1024 * 1024;
    private const int SegmentLength = 4096;
    private const int AesBlock = 16;

    private static readonly byte[] VerifierInputBlock = [0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79];
    private static readonly byte[] VerifierValueBlock = [0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e];
    private static readonly byte[] KeyValueBlock = [0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6];

    /// <summary>
    /// Decrypts <paramref name="path"/> into <paramref name="target"/>. Returns false when the encryption is not agile
    /// (LibreOffice then handles it with the password); throws PasswordProtected when the password is wrong and
    /// InvalidDocument when the file is malformed.
    /// </summary>
    public static bool TryDecrypt(string path, string password, string target, CancellationToken cancellationToken = default)
    {
        try
        {
            return Decrypt(path, password, target, cancellationToken);
        }
        catch (Exception ex) when (ex is XmlException or FormatException or CryptographicException or OverflowException or ArgumentException)
        {
            // Safety net: the checks below should leave nothing for these, but a parser of hostile input must not let an
            // untyped exception through (it would be retried as an engine crash).
            throw Invalid($"The encrypted document is malformed ({ex.GetType().Name}).", ex);
        }
    }

    private static bool Decrypt(string path, string password, string target, CancellationToken cancellationToken)
    {
        using var cfb = CompoundFile.Open(path);
        var infoEntry = cfb.Find("EncryptionInfo");
        var packageEntry = cfb.Find("EncryptedPackage");
        if (infoEntry is null || packageEntry is null)
        {
            return false;
        }

        if (infoEntry.Value.Size > MaxEncryptionInfoBytes)
        {
            throw Invalid("The encryption header of the document is too large.");
        }

        var info = new byte[infoEntry.Value.Size];
        using (var s = cfb.OpenStream(infoEntry.Value))
        {
            s.ReadExactly(info);
        }

        if (info.Length < 8)
        {
            return false;
        }

        var major = BinaryPrimitives.ReadUInt16LittleEndian(info);
        var minor = BinaryPrimitives.ReadUInt16LittleEndian(info.AsSpan(2));
        if (major != 4 || minor != 4)
        {
            return false;
        }

        var descriptor = AgileDescriptor.Parse(info.AsSpan(8));
        if (descriptor is null)
        {
            return false;
        }

        var d = descriptor.Value;

        // H0 = H(salt + password); Hn = H(iterator + Hn-1).
        var h = Hash(d.KeyHash, [.. d.KeySalt, .. Encoding.Unicode.GetBytes(password)]);
        var buffer = new byte[4 + h.Length];
        for (var i = 0; i < d.SpinCount; i++)
        {
            if ((i & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            BinaryPrimitives.WriteInt32LittleEndian(buffer, i);
            h.CopyTo(buffer, 4);
            h = Hash(d.KeyHash, buffer);
        }

        byte[] DecryptKeyField(byte[] block, byte[] value) =>
            AesCbc(Fit(Hash(d.KeyHash, [.. h, .. block]), d.KeyBytes), Fit(d.KeySalt, AesBlock), value);

        var verifierInput = DecryptKeyField(VerifierInputBlock, d.VerifierHashInput);
        var verifierHash = DecryptKeyField(VerifierValueBlock, d.VerifierHashValue);
        var expected = Hash(d.KeyHash, verifierInput.AsSpan(0, Math.Min(d.KeySalt.Length, verifierInput.Length)).ToArray());
        if (verifierHash.Length < expected.Length || !CryptographicOperations.FixedTimeEquals(expected, verifierHash.AsSpan(0, expected.Length)))
        {
            throw new DocumentRejectedException(FailureKind.PasswordProtected, "The document is password-protected and the supplied password does not open it.");
        }

        var keyValue = DecryptKeyField(KeyValueBlock, d.KeyValue);
        if (keyValue.Length < d.DataKeyBytes)
        {
            throw Invalid("The encrypted document's key is shorter than its key size.");
        }

        var secret = keyValue.AsSpan(0, d.DataKeyBytes).ToArray();
        var packageLength = packageEntry.Value.Size;
        if (packageLength < 8)
        {
            throw Invalid("The encrypted package of the document is truncated.");
        }

        using var package = cfb.OpenStream(packageEntry.Value);
        Span<byte> sizeField = stackalloc byte[8];
        package.ReadExactly(sizeField);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(sizeField);
        if (size > (ulong)(packageLength - 8))
        {
            throw Invalid("The encrypted package of the document declares more bytes than it holds.");
        }

        using var output = File.Create(target);
        var encrypted = new byte[SegmentLength];
        var segment = new byte[4];
        var remaining = (long)size;
        for (var index = 0; remaining > 0; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = package.ReadAtLeast(encrypted, encrypted.Length, throwOnEndOfStream: false);
            var length = read - (read % AesBlock);
            if (length == 0)
            {
                throw Invalid("The encrypted package of the document is truncated.");
            }

            BinaryPrimitives.WriteInt32LittleEndian(segment, index);
            var iv = Fit(Hash(d.DataHash, [.. d.DataSalt, .. segment]), AesBlock);
            var plain = AesCbc(secret, iv, encrypted.AsSpan(0, length).ToArray());
            var take = (int)Math.Min(plain.Length, remaining);
            output.Write(plain, 0, take);
            remaining -= take;
        }

        return true;
    }

    private static DocumentRejectedException Invalid(string message, Exception? inner = null) =>
        new(FailureKind.InvalidDocument, message, inner);

    private static byte[] Fit(byte[] value, int length)
    {
        var result = new byte[length];
        result.AsSpan().Fill(0x36);
        value.AsSpan(0, Math.Min(length, value.Length)).CopyTo(result);
        return result;
    }

    private static byte[] AesCbc(byte[] key, byte[] iv, byte[] data)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        return aes.DecryptCbc(data, iv, PaddingMode.None);
    }

    private static byte[] Hash(string name, byte[] data) => name switch
    {
#pragma warning disable CA5350 // SHA-1 is what the file format uses; this only reads such files.
        "SHA1" => SHA1.HashData(data),
#pragma warning restore CA5350
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        "SHA512" => SHA512.HashData(data),
        _ => throw Invalid("The document uses an unsupported encryption hash."),
    };

    /// <summary>The checked values of the agile encryption descriptor (MS-OFFCRYPTO 2.3.4.10).</summary>
    private readonly record struct AgileDescriptor(
        string KeyHash, int SpinCount, byte[] KeySalt, int KeyBytes, byte[] VerifierHashInput, byte[] VerifierHashValue, byte[] KeyValue,
        string DataHash, byte[] DataSalt, int DataKeyBytes)
    {
        private const string EncryptionNs = "http://schemas.microsoft.com/office/2006/encryption";
        private const string PasswordNs = "http://schemas.microsoft.com/office/2006/keyEncryptor/password";

        /// <summary>Returns null when the descriptor is not AES (LibreOffice's to try); throws InvalidDocument when it is malformed.</summary>
        public static AgileDescriptor? Parse(ReadOnlySpan<byte> xmlBytes)
        {
            var xml = new XmlDocument { XmlResolver = null };
            using (var reader = XmlReader.Create(new MemoryStream(xmlBytes.ToArray()), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))
            {
                xml.Load(reader);
            }

            if (xml.GetElementsByTagName("keyData", EncryptionNs) is not [XmlElement keyData, ..] ||
                xml.GetElementsByTagName("encryptedKey", PasswordNs) is not [XmlElement key, ..])
            {
                throw Invalid("The encryption header of the document has no keyData or no password key.");
            }

            if (!string.Equals(key.GetAttribute("cipherAlgorithm"), "AES", StringComparison.Ordinal) ||
                !string.Equals(keyData.GetAttribute("cipherAlgorithm"), "AES", StringComparison.Ordinal))
            {
                return null;
            }

            var spinCount = Integer(key, "spinCount", 0, MaxSpinCount);
            var keyBits = Integer(key, "keyBits", 128, 256);
            var dataKeyBits = Integer(keyData, "keyBits", 128, 256);
            if (keyBits is not (128 or 192 or 256) || dataKeyBits is not (128 or 192 or 256))
            {
                throw Invalid("The encrypted document names an AES key size other than 128, 192 or 256 bits.");
            }

            // AES has 16-byte blocks whatever the header says; any other value would make the segments unreadable.
            if (Integer(key, "blockSize", 1, 1024) != AesBlock || Integer(keyData, "blockSize", 1, 1024) != AesBlock)
            {
                throw Invalid("The encrypted document names a block size other than AES's 16 bytes.");
            }

            return new AgileDescriptor(
                HashName(key), spinCount, Bytes(key, "saltValue", 1, 64), keyBits / 8,
                Bytes(key, "encryptedVerifierHashInput", AesBlock, 1024, blocks: true),
                Bytes(key, "encryptedVerifierHashValue", AesBlock, 1024, blocks: true),
                Bytes(key, "encryptedKeyValue", AesBlock, 1024, blocks: true),
                HashName(keyData), Bytes(keyData, "saltValue", 1, 64), dataKeyBits / 8);
        }

        private static string HashName(XmlElement element)
        {
            var name = element.GetAttribute("hashAlgorithm");
            return name is "SHA1" or "SHA256" or "SHA384" or "SHA512"
                ? name
                : throw Invalid("The document uses an unsupported encryption hash.");
        }

        private static int Integer(XmlElement element, string attribute, int min, int max) =>
            int.TryParse(element.GetAttribute(attribute), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value
                : throw Invalid($"The encryption header's {element.LocalName}/@{attribute} is missing or outside {min}..{max}.");

        private static byte[] Bytes(XmlElement element, string attribute, int minLength, int maxLength, bool blocks = false)
        {
            var text = element.GetAttribute(attribute);
            var buffer = new byte[(text.Length * 3 / 4) + 3];
            if (text.Length == 0 || !Convert.TryFromBase64String(text, buffer, out var length) ||
                length < minLength || length > maxLength || (blocks && length % AesBlock != 0))
            {
                throw Invalid($"The encryption header's {element.LocalName}/@{attribute} is missing or malformed.");
            }

            return buffer[..length];
        }
    }

    /// <summary>A stream entry of the compound file's directory.</summary>
    private readonly record struct Entry(uint Start, long Size);

    /// <summary>
    /// Just enough of MS-CFB to read the streams of an encrypted OOXML file, straight from the file (nothing but the
    /// allocation tables and the directory is held in memory, and those are bounded by the file's size).
    /// </summary>
    private sealed class CompoundFile : IDisposable
    {
        private const uint MaxRegularSector = 0xFFFFFFFA;
        private const uint EndOfChain = 0xFFFFFFFE;
        private const uint FreeSector = 0xFFFFFFFF;
        private const int MiniSectorSize = 64;
        private const uint MiniStreamCutoff = 4096;
        private const int DirectoryEntrySize = 128;
        private const int MaxDirectoryBytes = 512 * 1024;

        private readonly SafeFileHandle _file;
        private readonly long _length;
        private readonly int _sectorSize;
        private readonly long _sectorCount;
        private readonly uint[] _fat;
        private readonly bool _v3;
        private uint[] _miniFat = [];
        private long[] _miniStreamSectors = [];
        private long _miniStreamSize;
        private readonly List<(string Name, Entry Entry)> _streams = [];

        private CompoundFile(SafeFileHandle file, long length, int sectorShift)
        {
            _file = file;
            _length = length;
            _sectorSize = 1 << sectorShift;
            _v3 = sectorShift == 9;

            // The header takes the first sector; a short last sector is tolerated (some writers do not pad it).
            _sectorCount = Math.Max(0, (length - _sectorSize + _sectorSize - 1) / _sectorSize);
            _fat = new uint[Math.Min(_sectorCount, int.MaxValue / 2)];
        }

        public static CompoundFile Open(string path)
        {
            var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            try
            {
                var length = RandomAccess.GetLength(file);
                var header = new byte[512];
                if (length < header.Length || RandomAccess.Read(file, header, 0) != header.Length)
                {
                    throw Invalid("The encrypted document is truncated.");
                }

                // MS-CFB 2.2: sector shift 9 (version 3, 512-byte sectors) or 12 (version 4, 4096); mini sectors are 64 bytes.
                var sectorShift = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x1E));
                var miniShift = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x20));
                if (sectorShift is not (9 or 12) || miniShift != 6)
                {
                    throw Invalid("The encrypted document's compound file header names a sector size other than 512 or 4096 bytes.");
                }

                if (BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x38)) != MiniStreamCutoff)
                {
                    throw Invalid("The encrypted document's compound file header names a mini stream cutoff other than 4096.");
                }

                var cfb = new CompoundFile(file, length, sectorShift);
                cfb.Load(header);
                return cfb;
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        public Entry? Find(string name)
        {
            foreach (var (entryName, entry) in _streams)
            {
                if (entryName == name)
                {
                    return entry;
                }
            }

            return null;
        }

        public Stream OpenStream(Entry entry)
        {
            if (entry.Size < MiniStreamCutoff)
            {
                var miniSectors = Chain(entry.Start, Sectors(entry.Size, MiniSectorSize), _miniFat, _miniFat.Length, "mini stream");
                var offsets = new long[miniSectors.Length];
                for (var i = 0; i < miniSectors.Length; i++)
                {
                    var position = (long)miniSectors[i] * MiniSectorSize;
                    if (position + MiniSectorSize > _miniStreamSize)
                    {
                        throw Invalid("The encrypted document's mini stream chain points past the mini stream.");
                    }

                    if (position / _sectorSize >= _miniStreamSectors.Length)
                    {
                        throw Invalid("The encrypted document's mini stream is shorter than its size.");
                    }

                    offsets[i] = _miniStreamSectors[position / _sectorSize] + (position % _sectorSize);
                }

                return new ChainStream(_file, offsets, MiniSectorSize, entry.Size);
            }

            return new ChainStream(_file, SectorOffsets(entry.Start, entry.Size), _sectorSize, entry.Size);
        }

        public void Dispose() => _file.Dispose();

        private void Load(ReadOnlySpan<byte> header)
        {
            var firstDirectory = BinaryPrimitives.ReadUInt32LittleEndian(header[0x30..]);
            var firstMiniFat = BinaryPrimitives.ReadUInt32LittleEndian(header[0x3C..]);
            var firstDifat = BinaryPrimitives.ReadUInt32LittleEndian(header[0x44..]);
            var entriesPerSector = _sectorSize / 4;

            // FAT sectors: 109 in the header, the rest in the DIFAT chain. Only as many as cover the file's sectors are read;
            // a DIFAT chain is walked at most once per sector of the file.
            var fatSectors = new List<uint>();
            var needed = (int)Sectors(_fat.Length, entriesPerSector);
            for (var i = 0; i < 109 && fatSectors.Count < needed; i++)
            {
                AddFatSector(BinaryPrimitives.ReadUInt32LittleEndian(header[(0x4C + (i * 4))..]));
            }

            var sector = new byte[_sectorSize];
            var seen = new BitArray((int)Math.Min(_sectorCount, int.MaxValue));
            for (var difat = firstDifat; difat < MaxRegularSector && fatSectors.Count < needed;)
            {
                Visit(seen, difat, "DIFAT");
                ReadSector(difat, sector);
                for (var i = 0; i < entriesPerSector - 1 && fatSectors.Count < needed; i++)
                {
                    AddFatSector(BinaryPrimitives.ReadUInt32LittleEndian(sector.AsSpan(i * 4)));
                }

                difat = BinaryPrimitives.ReadUInt32LittleEndian(sector.AsSpan(_sectorSize - 4));
            }

            for (var f = 0; f < fatSectors.Count; f++)
            {
                ReadSector(fatSectors[f], sector);
                for (var i = 0; i < entriesPerSector && (f * entriesPerSector) + i < _fat.Length; i++)
                {
                    _fat[(f * entriesPerSector) + i] = BinaryPrimitives.ReadUInt32LittleEndian(sector.AsSpan(i * 4));
                }
            }

            // Unlisted entries stay 0, which is a valid sector number: mark them free so a chain into them ends as truncated.
            for (var i = fatSectors.Count * entriesPerSector; i < _fat.Length; i++)
            {
                _fat[i] = FreeSector;
            }

            // An encrypted OOXML file has a handful of directory entries; more than MaxDirectoryBytes is not read.
            var directory = ReadWhole(firstDirectory, Sectors(MaxDirectoryBytes, _sectorSize), "directory");
            for (var off = 0; off + DirectoryEntrySize <= directory.Length; off += DirectoryEntrySize)
            {
                var entry = directory.AsSpan(off, DirectoryEntrySize);
                var type = entry[66];
                var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(entry[64..]);
                var start = BinaryPrimitives.ReadUInt32LittleEndian(entry[116..]);

                // Version 3 files may leave garbage in the size's high 32 bits (MS-CFB 2.6.3).
                var size = _v3 ? BinaryPrimitives.ReadUInt32LittleEndian(entry[120..]) : BinaryPrimitives.ReadInt64LittleEndian(entry[120..]);
                if (size < 0 || size > _length)
                {
                    throw Invalid("The encrypted document's directory names a stream larger than the file.");
                }

                if (off == 0)
                {
                    if (type != 5)
                    {
                        throw Invalid("The encrypted document's compound file has no root entry.");
                    }

                    _miniStreamSize = size;
                    _miniStreamSectors = size == 0 ? [] : SectorOffsets(start, size);
                }
                else if (type == 2 && nameLength is >= 2 and <= 64 && nameLength % 2 == 0)
                {
                    _streams.Add((Encoding.Unicode.GetString(entry[..(nameLength - 2)]), new Entry(start, size)));
                }
            }

            // The mini FAT needs one entry per 64 bytes of the mini stream, no more.
            var miniFat = firstMiniFat == EndOfChain ? [] : ReadWhole(firstMiniFat, Sectors(Sectors(_miniStreamSize, MiniSectorSize) * 4, _sectorSize), "mini FAT");
            _miniFat = new uint[miniFat.Length / 4];
            for (var i = 0; i < _miniFat.Length; i++)
            {
                _miniFat[i] = BinaryPrimitives.ReadUInt32LittleEndian(miniFat.AsSpan(i * 4));
            }

            void AddFatSector(uint s)
            {
                if (s < MaxRegularSector)
                {
                    if (s >= _sectorCount)
                    {
                        throw Invalid("The encrypted document's allocation table lies outside the file.");
                    }

                    fatSectors.Add(s);
                }
            }
        }

        /// <summary>Reads a chain that has no declared size (directory, mini FAT): at most <paramref name="maxSectors"/>, each once.</summary>
        private byte[] ReadWhole(uint start, long maxSectors, string what)
        {
            var chain = Chain(start, Math.Min(maxSectors, _sectorCount), _fat, _sectorCount, what);
            var data = new byte[chain.Length * (long)_sectorSize];
            for (var i = 0; i < chain.Length; i++)
            {
                ReadSector(chain[i], data.AsSpan(i * _sectorSize, _sectorSize));
            }

            return data;
        }

        private long[] SectorOffsets(uint start, long size)
        {
            var chain = Chain(start, Sectors(size, _sectorSize), _fat, _sectorCount, "stream");
            return [.. chain.Select(s => (s + 1L) * _sectorSize)];
        }

        /// <summary>
        /// Follows a chain for at most <paramref name="maxLength"/> links. A link outside the table, a revisited sector or a
        /// chain that ends before <paramref name="maxLength"/> when that many are needed is malformed.
        /// </summary>
        private static uint[] Chain(uint start, long maxLength, uint[] table, long limit, string what)
        {
            var result = new List<uint>();
            var seen = new BitArray((int)Math.Min(limit, int.MaxValue));
            for (var s = start; s != EndOfChain && result.Count < maxLength; s = table[s])
            {
                if (s >= limit || s >= (uint)table.Length)
                {
                    throw Invalid($"The encrypted document's {what} chain points outside the file.");
                }

                Visit(seen, s, what);
                result.Add(s);
            }

            return [.. result];
        }

        private static void Visit(BitArray seen, uint sector, string what)
        {
            if (sector >= seen.Length)
            {
                throw Invalid($"The encrypted document's {what} chain points outside the file.");
            }

            if (seen[(int)sector])
            {
                throw Invalid($"The encrypted document's {what} chain loops.");
            }

            seen[(int)sector] = true;
        }

        private void ReadSector(uint index, Span<byte> destination)
        {
            if (index >= _sectorCount)
            {
                throw Invalid("The encrypted document is truncated.");
            }

            var read = RandomAccess.Read(_file, destination, (index + 1L) * _sectorSize);
            destination[read..].Clear();
        }

        private static long Sectors(long bytes, int sectorSize) => (bytes + sectorSize - 1) / sectorSize;
    }

    /// <summary>Reads a stream's sectors from the file in chain order, up to its declared size.</summary>
    private sealed class ChainStream(SafeFileHandle file, long[] offsets, int sectorSize, long size) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => size;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var total = 0;
            while (buffer.Length > 0 && _position < size)
            {
                var index = _position / sectorSize;
                if (index >= offsets.Length)
                {
                    throw Invalid("The encrypted document's stream chain ends before its size.");
                }

                var within = (int)(_position % sectorSize);
                var take = (int)Math.Min(Math.Min(buffer.Length, sectorSize - within), size - _position);
                var read = RandomAccess.Read(file, buffer[..take], offsets[index] + within);
                if (read <= 0)
                {
                    throw Invalid("The encrypted document is truncated.");
                }

                buffer = buffer[read..];
                _position += read;
                total += read;
            }

            return total;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
