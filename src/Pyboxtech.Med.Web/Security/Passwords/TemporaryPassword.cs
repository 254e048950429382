using System.Security.Cryptography;

namespace Pyboxtech.Med.Web.Security.Passwords;

/// <summary>
/// A temporary password an administrator can read out over the phone or hand over: four groups of four in lower case
/// (no capitals to spell out), from an alphabet without look-alikes (no 0/o, 1/l), with a digit in every group and
/// dashes, so it meets the password policy. About 75 bits of randomness; the user must replace it at first sign-in.
/// </summary>
public static class TemporaryPassword
{
    private const string Letters = "abcdefghijkmnpqrstuvwxyz";
    private const string Digits = "23456789";

    public static string Generate()
    {
        var groups = new string[4];
        for (var g = 0; g < groups.Length; g++)
        {
            var chars = new char[4];
            for (var i = 0; i < 3; i++)
            {
                chars[i] = Letters[RandomNumberGenerator.GetInt32(Letters.Length)];
            }

            chars[3] = Digits[RandomNumberGenerator.GetInt32(Digits.Length)];
            RandomNumberGenerator.Shuffle(chars.AsSpan());
            groups[g] = new string(chars);
        }

        return string.Join('-', groups);
    }
}
