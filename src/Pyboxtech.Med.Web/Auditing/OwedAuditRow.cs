using Microsoft.AspNetCore.Mvc.Filters;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// The one row a granted request owes the trail. The permission check leaves "request granted" here instead of
/// writing it; whatever the endpoint records itself ("viewed patient X", a change, a refusal) settles the debt, so a
/// request has one row carrying its most specific event. What is still owed when the page is about to be sent is
/// written then (<see cref="OwedAuditRowFilter"/>), or when the endpoint ends without a page (an exception): no page
/// leaves without its row, and a row that cannot be written fails the request.
/// </summary>
public sealed class OwedAuditRow(AuditEntry entry)
{
    private int _settled;

    public AuditEntry Entry { get; private set; } = entry;

    public bool IsSettled => Volatile.Read(ref _settled) == 1;

    public void Settle() => Volatile.Write(ref _settled, 1);

    /// <summary>
    /// Owes a more specific row instead (a patient-level refusal after the matrix granted the request); still settled
    /// by anything the endpoint records itself. False when the debt is already paid: then record the row directly.
    /// </summary>
    public bool Instead(AuditEntry more)
    {
        if (IsSettled)
        {
            return false;
        }

        Entry = more;
        return true;
    }

    public static OwedAuditRow? Of(HttpContext? context) => context?.Features.Get<OwedAuditRow>();
}

/// <summary>
/// Writes the row a request still owes just before its result (a page, a redirect, a file) executes. The last of the
/// result filters, so that a filter recording something more specific (an antiforgery refusal) comes first.
/// </summary>
public sealed class OwedAuditRowFilter(AuditTrail audit) : IAsyncAlwaysRunResultFilter, IOrderedFilter
{
    public int Order => int.MaxValue;

    public async Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        await audit.RecordOwedAsync(context.HttpContext);
        await next();
    }
}
