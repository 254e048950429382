using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding.Metadata;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace Pyboxtech.Med.Web.Modules.Appointments;

/// <summary>
/// A value the binder cannot read (a date or time typed wrong, letters in the length) is refused with the module's own
/// English or Spanish message next to its field, instead of the framework's English "The value 'x' is not valid for Y".
/// Only for the forms of this module (properties of types in its namespace): the platform sets no such messages, and
/// other modules keep their own. The typed value is not repeated: it may be anything.
/// </summary>
public sealed class AppointmentBindingMessages(IStringLocalizerFactory factory) : IConfigureOptions<MvcOptions>
{
    public void Configure(MvcOptions options) => options.ModelMetadataDetailsProviders.Add(new Provider(factory.Create(typeof(AppointmentsResources))));

    private sealed class Provider(IStringLocalizer text) : IBindingMetadataProvider
    {
        public void CreateBindingMetadata(BindingMetadataProviderContext context)
        {
            if (context.Key.ContainerType?.Namespace != typeof(AppointmentBindingMessages).Namespace)
            {
                return;
            }

            var messages = new DefaultModelBindingMessageProvider(context.BindingMetadata.ModelBindingMessageProvider as DefaultModelBindingMessageProvider ?? new DefaultModelBindingMessageProvider());
            messages.SetAttemptedValueIsInvalidAccessor((_, name) => text["Enter a valid value for '{0}'.", name]);
            messages.SetUnknownValueIsInvalidAccessor(name => text["Enter a valid value for '{0}'.", name]);
            messages.SetValueIsInvalidAccessor(_ => text["Enter a valid value."]);
            messages.SetNonPropertyAttemptedValueIsInvalidAccessor(_ => text["Enter a valid value."]);
            messages.SetNonPropertyUnknownValueIsInvalidAccessor(() => text["Enter a valid value."]);
            messages.SetValueMustBeANumberAccessor(name => text["Enter a number for '{0}'.", name]);
            messages.SetNonPropertyValueMustBeANumberAccessor(() => text["Enter a number."]);
            messages.SetValueMustNotBeNullAccessor(_ => text["Enter a value."]);
            messages.SetMissingBindRequiredValueAccessor(name => text["Enter a value for '{0}'.", name]);
            messages.SetMissingKeyOrValueAccessor(() => text["Enter a value."]);
            context.BindingMetadata.ModelBindingMessageProvider = messages;
        }
    }
}
