using Docx2Pdf.Conversion;

namespace Docx2Pdf.Pipeline;

/// <summary>What triage decided an event asks for: convert this source object (in this format) to that output object.</summary>
internal sealed record WorkPlan(string Bucket, string ObjectName, InputFormat Format, string Extension, string OutputBucket, string OutputName);
