using FluentValidation;

namespace Cortex.Api.Hosting;

public static class ValidationFilter
{
    /// <summary>
    /// Validates every endpoint argument that has an <see cref="IValidator{T}"/> registered, and
    /// answers a validation problem (400) before the handler runs. Endpoints without one are untouched.
    /// </summary>
    public static TBuilder WithValidation<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var services = factory.ApplicationServices;
            var validated = factory.MethodInfo.GetParameters()
                .Select((parameter, index) => (index, validatorType: typeof(IValidator<>).MakeGenericType(parameter.ParameterType)))
                .Where(p => services.GetService(p.validatorType) is not null)
                .ToArray();

            if (validated.Length == 0)
            {
                return invocation => next(invocation);
            }

            return async invocation =>
            {
                foreach (var (index, validatorType) in validated)
                {
                    var argument = invocation.Arguments[index];
                    if (argument is null)
                    {
                        continue;
                    }

                    var validator = (IValidator)invocation.HttpContext.RequestServices.GetRequiredService(validatorType);
                    var result = await validator.ValidateAsync(new ValidationContext<object>(argument), invocation.HttpContext.RequestAborted);
                    if (!result.IsValid)
                    {
                        return Problems.Validation(result.ToDictionary(), StatusCodes.Status400BadRequest);
                    }
                }

                return await next(invocation);
            };
        });
        return builder;
    }
}
