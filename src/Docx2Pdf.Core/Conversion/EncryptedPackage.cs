using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Xml;

namespace Docx2Pdf.Conversion;

/// <summary>
/// Opens password-protected OOXML files with agile encryption (MS-OFFCRYPTO 2.3.4.10-2.3.4.15) in .NET, because
/// LibreOffice 7.4 fails on some of them (AES-256 with SHA-1, e.g. poi/bug53475-password-is-pass.docx). The file is a
/// compound file (CFB) with an EncryptionInfo and an EncryptedPackage stream; the result is the plain ZIP package.
/// </summary>
internal static class EncryptedPackage
{
    private static readonly byte[] VerifierInputBlock = [0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79];
    private static readonly byte[] VerifierValueBlock = [0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e];
    private static readonly byte[] KeyValueBlock = [0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6];

    /// <summary>
    /// Decrypts <paramref name="path"/> into <paramref name="target"/>. Returns false when the encryption is not agile
    /// (LibreOffice then handles it with the password); throws PasswordProtected when the password is wrong.
    /// </summary>
    public static bool TryDecrypt(string path, string password, string target)
    {
        var cfb = new CompoundFile(File.ReadAllBytes(path));
        var info = cfb.ReadStream("EncryptionInfo");
        var package = cfb.ReadStream("EncryptedPackage");
        if (info is null || package is null || info.Length < 8)
        {
            return false;
        }

        var major = BinaryPrimitives.ReadUInt16LittleEndian(info);
        var minor = BinaryPrimitives.ReadUInt16LittleEndian(info.AsSpan(2));
        if (major != 4 || minor != 4)
        {
            return false;
        }

        var xml = new XmlDocument { XmlResolver = null };
        using (var reader = XmlReader.Create(new MemoryStream(info, 8, info.Length - 8), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))
        {
            xml.Load(reader);
        }

        var keyData = (XmlElement)xml.GetElementsByTagName("keyData", "http://schemas.microsoft.com/office/2006/encryption")[0]!;
        var encryptedKey = (XmlElement)xml.GetElementsByTagName("encryptedKey", "http://schemas.microsoft.com/office/2006/keyEncryptor/password")[0]!;
        if (!string.Equals(encryptedKey.GetAttribute("cipherAlgorithm"), "AES", StringComparison.Ordinal) ||
            !string.Equals(keyData.GetAttribute("cipherAlgorithm"), "AES", StringComparison.Ordinal))
        {
            return false;
        }

        var hashName = encryptedKey.GetAttribute("hashAlgorithm");
        var spinCount = int.Parse(encryptedKey.GetAttribute("spinCount"), System.Globalization.CultureInfo.InvariantCulture);
        var salt = Convert.FromBase64String(encryptedKey.GetAttribute("saltValue"));
        var keyBytes = int.Parse(encryptedKey.GetAttribute("keyBits"), System.Globalization.CultureInfo.InvariantCulture) / 8;
        var blockSize = int.Parse(encryptedKey.GetAttribute("blockSize"), System.Globalization.CultureInfo.InvariantCulture);

        // H0 = H(salt + password); Hn = H(iterator + Hn-1).
        var h = Hash(hashName, [.. salt, .. Encoding.Unicode.GetBytes(password)]);
        var buffer = new byte[4 + h.Length];
        for (var i = 0; i < spinCount; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer, i);
            h.CopyTo(buffer, 4);
            h = Hash(hashName, buffer);
        }

        byte[] Decrypt(byte[] block, string attribute) =>
            AesCbc(Fit(Hash(hashName, [.. h, .. block]), keyBytes), Fit(salt, blockSize), Convert.FromBase64String(encryptedKey.GetAttribute(attribute)));

        var verifierInput = Decrypt(VerifierInputBlock, "encryptedVerifierHashInput");
        var verifierHash = Decrypt(VerifierValueBlock, "encryptedVerifierHashValue");
        var expected = Hash(hashName, verifierInput.AsSpan(0, salt.Length).ToArray());
        if (!CryptographicOperations.FixedTimeEquals(expected, verifierHash.AsSpan(0, expected.Length)))
        {
            throw new DocumentRejectedException(FailureKind.PasswordProtected, "The document is password-protected and the supplied password does not open it.");
        }

        var secret = Decrypt(KeyValueBlock, "encryptedKeyValue").AsSpan(0, int.Parse(keyData.GetAttribute("keyBits"), System.Globalization.CultureInfo.InvariantCulture) / 8).ToArray();
        var dataHash = keyData.GetAttribute("hashAlgorithm");
        var dataSalt = Convert.FromBase64String(keyData.GetAttribute("saltValue"));
        var dataBlock = int.Parse(keyData.GetAttribute("blockSize"), System.Globalization.CultureInfo.InvariantCulture);
        var size = (long)BinaryPrimitives.ReadUInt64LittleEndian(package);
        using var output = File.Create(target);
        var segment = new byte[4];
        for (int offset = 8, index = 0; offset < package.Length && output.Length < size; offset += 4096, index++)
        {
            var length = Math.Min(4096, package.Length - offset);
            length -= length % dataBlock;
            BinaryPrimitives.WriteInt32LittleEndian(segment, index);
            var iv = Fit(Hash(dataHash, [.. dataSalt, .. segment]), dataBlock);
            var plain = AesCbc(secret, iv, package.AsSpan(offset, length).ToArray());
            output.Write(plain, 0, (int)Math.Min(plain.Length, size - output.Length));
        }

        return true;
    }

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
        _ => throw new DocumentRejectedException(FailureKind.InvalidDocument, "The document uses an unsupported encryption hash."),
    };

    /// <summary>Just enough of MS-CFB to read the streams of an encrypted OOXML file.</summary>
    private sealed class CompoundFile
    {
        private const uint EndOfChain = 0xFFFFFFFE;
        private readonly byte[] _data;
        private readonly int _sectorSize;
        private readonly List<uint> _fat = [];
        private readonly List<uint> _miniFat = [];
        private readonly byte[] _miniStream;
        private readonly List<(string Name, uint Start, long Size)> _entries = [];
        private readonly uint _miniCutoff;

        public CompoundFile(byte[] data)
        {
            _data = data;
            _sectorSize = 1 << BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(0x1E));
            var firstDir = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(0x30));
            _miniCutoff = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(0x38));
            var firstMiniFat = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(0x3C));
            var difatSector = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(0x44));
            var fatSectors = new List<uint>();
            for (var i = 0; i < 109; i++)
            {
                var s = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(0x4C + (i * 4)));
                if (s < 0xFFFFFFFA)
                {
                    fatSectors.Add(s);
                }
            }

            for (var guard = 0; difatSector < 0xFFFFFFFA && guard < 10_000; guard++)
            {
                var sector = Sector(difatSector);
                for (var i = 0; i < (_sectorSize / 4) - 1; i++)
                {
                    var s = BinaryPrimitives.ReadUInt32LittleEndian(sector[(i * 4)..]);
                    if (s < 0xFFFFFFFA)
                    {
                        fatSectors.Add(s);
                    }
                }

                difatSector = BinaryPrimitives.ReadUInt32LittleEndian(sector[(_sectorSize - 4)..]);
            }

            foreach (var s in fatSectors)
            {
                var sector = Sector(s);
                for (var i = 0; i < _sectorSize / 4; i++)
                {
                    _fat.Add(BinaryPrimitives.ReadUInt32LittleEndian(sector[(i * 4)..]));
                }
            }

            var miniFatBytes = Chain(firstMiniFat, long.MaxValue);
            for (var i = 0; i + 4 <= miniFatBytes.Length; i += 4)
            {
                _miniFat.Add(BinaryPrimitives.ReadUInt32LittleEndian(miniFatBytes.AsSpan(i)));
            }

            var dir = Chain(firstDir, long.MaxValue);
            for (var off = 0; off + 128 <= dir.Length; off += 128)
            {
                var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(dir.AsSpan(off + 64));
                var name = nameLength >= 2 ? Encoding.Unicode.GetString(dir, off, Math.Min(64, (int)nameLength) - 2) : string.Empty;
                _entries.Add((name, BinaryPrimitives.ReadUInt32LittleEndian(dir.AsSpan(off + 116)), (long)BinaryPrimitives.ReadUInt32LittleEndian(dir.AsSpan(off + 120))));
            }

            _miniStream = _entries.Count > 0 ? Chain(_entries[0].Start, _entries[0].Size) : [];
        }

        public byte[]? ReadStream(string name)
        {
            foreach (var (entryName, start, size) in _entries.Skip(1))
            {
                if (entryName == name)
                {
                    return size < _miniCutoff ? MiniChain(start, size) : Chain(start, size);
                }
            }

            return null;
        }

        private ReadOnlySpan<byte> Sector(uint index)
        {
            var offset = (long)(index + 1) * _sectorSize;
            if (offset + _sectorSize > _data.Length)
            {
                throw new DocumentRejectedException(FailureKind.InvalidDocument, "The encrypted document is truncated.");
            }

            return _data.AsSpan((int)offset, _sectorSize);
        }

        private byte[] Chain(uint start, long size)
        {
            using var ms = new MemoryStream();
            for (var (s, guard) = (start, 0); s != EndOfChain && s < (uint)_fat.Count && ms.Length < size && guard < 1_000_000; s = _fat[(int)s], guard++)
            {
                ms.Write(Sector(s));
            }

            var all = ms.ToArray();
            return size < all.Length ? all[..(int)size] : all;
        }

        private byte[] MiniChain(uint start, long size)
        {
            using var ms = new MemoryStream();
            for (var (s, guard) = (start, 0); s != EndOfChain && s < (uint)_miniFat.Count && ms.Length < size && guard < 1_000_000; s = _miniFat[(int)s], guard++)
            {
                ms.Write(_miniStream.AsSpan((int)s * 64, 64));
            }

            var all = ms.ToArray();
            return size < all.Length ? all[..(int)size] : all;
        }
    }
}
