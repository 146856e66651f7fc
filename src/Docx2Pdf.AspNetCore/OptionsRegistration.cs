namespace Docx2Pdf.AspNetCore;

/// <summary>Marks that <typeparamref name="T"/> was registered with its configuration binding and start-up validation.</summary>
/// <typeparam name="T">The options type.</typeparam>
internal sealed class OptionsRegistration<T>
    where T : class;
