namespace Pyboxtech.Med.Web.Modules.Patients;

public static class PatientText
{
    public static string Sex(Sex sex) => sex switch
    {
        Patients.Sex.Female => "Female",
        Patients.Sex.Male => "Male",
        Patients.Sex.IntersexOrIndeterminate => "Intersex or indeterminate",
        _ => "Not stated",
    };
}
