"""Known mistakes in the optimizers assignment."""
# Its wrong variants are near-copies of each other on purpose: see exercises/__init__.py.
from autograder.mistakes import mistake

A = "optimizers"

MISTAKES = [
    mistake(
        "ema-weights-swapped", A, "ema",
        "Gives the new value weight beta and the old average weight 1 - beta.",
        "Your average follows the latest value too closely: the old average keeps weight beta "
        "and the new value gets 1 - beta, m_t = beta m_(t-1) + (1 - beta) x_t.",
        """
        import numpy as np

        def ema(values, beta, bias_correction=False):
            m = np.zeros_like(values[0])
            out = np.empty_like(values)
            for t, x in enumerate(values, start=1):
                m = (1 - beta) * m + beta * x
                out[t - 1] = m / (1 - beta ** t) if bias_correction else m
            return out
        """,
        fails=("plain", "corrected"),
    ),
    mistake(
        "ema-bias-correction-ignored", A, "ema",
        "Never applies the bias correction, even when bias_correction is True.",
        "Your corrected averages start too small (the first is (1 - beta) x_1): with "
        "bias_correction, divide m_t by 1 - beta^t.",
        """
        import numpy as np

        def ema(values, beta, bias_correction=False):
            m = np.zeros_like(values[0])
            out = np.empty_like(values)
            for t, x in enumerate(values, start=1):
                m = beta * m + (1 - beta) * x
                out[t - 1] = m
            return out
        """,
        fails=("corrected",),
        shows=("argument-ignored", "no-bias-correction",),
    ),
    mistake(
        "ema-starts-at-first-value", A, "ema",
        "Starts the average at the first value (m_1 = x_1) instead of at m_0 = 0.",
        "Your first average is the first value itself: the average starts from m_0 = 0, so "
        "m_1 = (1 - beta) x_1 (that small start is what the bias correction undoes). Start with "
        "m = 0 and apply the update to every value, the first included.",
        """
        import numpy as np

        def ema(values, beta, bias_correction=False):
            m = values[0]
            out = np.empty_like(values)
            out[0] = m
            for t in range(2, len(values) + 1):
                m = beta * m + (1 - beta) * values[t - 1]
                out[t - 1] = m / (1 - beta ** t) if bias_correction else m
            return out
        """,
        fails=("plain", "corrected"),
    ),
    mistake(
        "ema-correction-counts-from-zero", A, "ema",
        "Divides by 1 - beta^t with t counted from 0, so the first corrected average divides "
        "by zero and every later one uses the previous step's correction.",
        "Your corrected averages use a step count one too small (the first one divides by "
        "1 - beta^0 = 0, hence inf or nan): t counts from 1, and the average in position t - 1 "
        "is m_t / (1 - beta^t). With enumerate, write enumerate(values, start=1).",
        """
        import numpy as np

        def ema(values, beta, bias_correction=False):
            m = np.zeros_like(values[0])
            out = np.empty_like(values)
            for t, x in enumerate(values):
                m = beta * m + (1 - beta) * x
                out[t] = m / (1 - beta ** t) if bias_correction else m
            return out
        """,
        fails=("corrected",),
        shows=("nan-inf", "step-behind"),  # 1 - beta^0 = 0 at t = 1
    ),
    mistake(
        "ema-correction-kept-in-average", A, "ema",
        "Divides the running average itself by 1 - beta^t (m = m / (1 - beta^t)) and carries "
        "the corrected value into the next step, so the corrections pile up.",
        "Your first corrected average is right but the later ones are not: you divided m "
        "itself by 1 - beta^t, so the next step starts from an already corrected value. Keep "
        "m uncorrected for the update, m = beta * m + (1 - beta) * x, and correct only the "
        "value you store: out[t - 1] = m / (1 - beta^t).",
        """
        import numpy as np

        def ema(values, beta, bias_correction=False):
            m = np.zeros_like(values[0])
            out = np.empty_like(values)
            for t, x in enumerate(values, start=1):
                m = beta * m + (1 - beta) * x
                if bias_correction:
                    m = m / (1 - beta ** t)
                out[t - 1] = m
            return out
        """,
        fails=("corrected",),
    ),
    mistake(
        "ema-missing-one-minus-beta", A, "ema",
        "Adds the whole new value, m = beta m + x (momentum's velocity), instead of "
        "(1 - beta) x, so every average is 1 / (1 - beta) times too large.",
        "Your averages are 1 / (1 - beta) times too large (10 times for beta = 0.9): the new "
        "value enters with weight 1 - beta, m_t = beta m_(t-1) + (1 - beta) x_t. Without the "
        "(1 - beta), m = beta * m + x is momentum's velocity, a sum, not an average.",
        """
        import numpy as np

        def ema(values, beta, bias_correction=False):
            m = np.zeros_like(values[0])
            out = np.empty_like(values)
            for t, x in enumerate(values, start=1):
                m = beta * m + x
                out[t - 1] = m / (1 - beta ** t) if bias_correction else m
            return out
        """,
        fails=("plain", "corrected"),
        shows=("constant-factor",),
    ),
    mistake(
        "ema-correction-one-minus-beta", A, "ema",
        "Divides by 1 - (1 - beta)^t in the bias correction, with the new value's weight "
        "1 - beta where the decay rate beta belongs.",
        "Your bias correction uses 1 - beta where beta belongs: divide by 1 - beta^t, with "
        "beta the weight of the old average: m_t / (1 - beta^t), so that the first corrected "
        "average is x_1 itself. 1 - (1 - beta)^t is even 0 when beta = 0.",
        """
        import numpy as np

        def ema(values, beta, bias_correction=False):
            m = np.zeros_like(values[0])
            out = np.empty_like(values)
            for t, x in enumerate(values, start=1):
                m = beta * m + (1 - beta) * x
                out[t - 1] = m / (1 - (1 - beta) ** t) if bias_correction else m
            return out
        """,
        fails=("corrected",),
        shows=("nan-inf",),  # beta = 0: 1 - 1^t = 0
    ),
    mistake(
        "ema-correction-missing-parentheses", A, "ema",
        "Writes m / 1 - beta ** t, which divides by 1 and subtracts beta^t, instead of "
        "m / (1 - beta ** t).",
        "Your corrected averages are m_t - beta^t: without parentheses, m / 1 - beta ** t "
        "divides by 1 and then subtracts beta^t. Put the denominator in parentheses, "
        "m / (1 - beta ** t).",
        """
        import numpy as np

        def ema(values, beta, bias_correction=False):
            m = np.zeros_like(values[0])
            out = np.empty_like(values)
            for t, x in enumerate(values, start=1):
                m = beta * m + (1 - beta) * x
                out[t - 1] = m / 1 - beta ** t if bias_correction else m
            return out
        """,
        fails=("corrected",),
    ),
    mistake(
        "momentum-wrong-sign", A, "sgd_momentum_step",
        "Adds the velocity to the parameters instead of subtracting it, so it climbs the loss.",
        "Your parameters move uphill: a descent step subtracts, param - lr * velocity.",
        """
        def sgd_momentum_step(param, grad, velocity, lr, momentum):
            velocity = momentum * velocity + grad
            return param + lr * velocity, velocity
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "momentum-step-before-update", A, "sgd_momentum_step",
        "Steps with the old velocity and updates the velocity afterwards.",
        "Your step uses the velocity from before this gradient: update the velocity first, "
        "v = momentum * v + grad, then step with the new one, param - lr * v.",
        """
        def sgd_momentum_step(param, grad, velocity, lr, momentum):
            new_param = param - lr * velocity
            return new_param, momentum * velocity + grad
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "momentum-averaged-form", A, "sgd_momentum_step",
        "Uses the syllabus's averaged velocity v = beta v + (1 - beta) g where this exercise "
        "(like PyTorch and nnlib) asks for v = mu v + g.",
        "Your velocity is (1 - momentum) times too small: you used the averaged form "
        "v = beta v + (1 - beta) g. This exercise uses PyTorch's v = momentum * v + grad (its "
        "steps are 1 / (1 - momentum) times larger for the same learning rate).",
        """
        def sgd_momentum_step(param, grad, velocity, lr, momentum):
            velocity = momentum * velocity + (1 - momentum) * grad
            return param - lr * velocity, velocity
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "momentum-modifies-inputs", A, "sgd_momentum_step",
        "Updates param and velocity in place (param -= ..., velocity *= ...) instead of "
        "returning new arrays.",
        "Your function changed the arrays it was given: the caller's param and velocity are "
        "modified in place (-=, *=, [...] =). Compute new arrays, velocity = momentum * "
        "velocity + grad and param - lr * velocity, and return them.",
        """
        def sgd_momentum_step(param, grad, velocity, lr, momentum):
            velocity[...] = momentum * velocity + grad
            param[...] = param - lr * velocity
            return param, velocity
        """,
        fails=("one_step", "trajectory"),
        shows=("in-place",),
    ),
    mistake(
        "momentum-lr-in-velocity", A, "sgd_momentum_step",
        "Puts the learning rate into the velocity (v = mu v + lr g, then param - v): the same "
        "parameters for a constant lr, but a velocity lr times PyTorch's.",
        "Your new parameters are right but your velocity is lr times too small: you put the "
        "learning rate inside it (v = momentum * v + lr * grad, then param - v). Here, as in "
        "PyTorch, the velocity leaves lr out, v = momentum * v + grad, and the step is "
        "param - lr * v.",
        """
        def sgd_momentum_step(param, grad, velocity, lr, momentum):
            velocity = momentum * velocity + lr * grad
            return param - velocity, velocity
        """,
        fails=("one_step",),
    ),
    mistake(
        "momentum-velocity-descends", A, "sgd_momentum_step",
        "Uses the other common form, v = mu v - lr g then param + v (CS231n's), whose velocity "
        "is -lr times PyTorch's (the parameters agree for a constant lr).",
        "Your new parameters are right but your velocity has the opposite sign and includes "
        "the learning rate: you used v = momentum * v - lr * grad, then param + v. This "
        "exercise (like PyTorch) keeps v = momentum * v + grad and steps param - lr * v.",
        """
        def sgd_momentum_step(param, grad, velocity, lr, momentum):
            velocity = momentum * velocity - lr * grad
            return param + velocity, velocity
        """,
        fails=("one_step",),
    ),
    mistake(
        "momentum-nesterov-step", A, "sgd_momentum_step",
        "Steps with grad + momentum * v_new (Nesterov momentum, PyTorch's nesterov=True) where "
        "plain momentum, param - lr * v_new, is asked.",
        "Your velocity is right but your step is not: you stepped with grad + momentum * "
        "velocity, Nesterov's look-ahead (PyTorch's nesterov=True). Plain momentum steps with "
        "the new velocity itself: param - lr * velocity.",
        """
        def sgd_momentum_step(param, grad, velocity, lr, momentum):
            velocity = momentum * velocity + grad
            return param - lr * (grad + momentum * velocity), velocity
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "rmsprop-eps-inside-sqrt", A, "rmsprop_step",
        "Divides by sqrt(square_avg + eps) (the syllabus's formula) instead of "
        "sqrt(square_avg) + eps.",
        "Your steps are too small for tiny gradients: epsilon goes outside the square root, "
        "g / (sqrt(s) + eps). Inside, it puts a floor of sqrt(eps) = 1e-4 under the denominator.",
        """
        import numpy as np

        def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
            square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
            return param - lr * grad / np.sqrt(square_avg + eps), square_avg
        """,
        fails=("step", "tiny_gradients"),
        shows=("only-zeros",),
    ),
    mistake(
        "rmsprop-no-decay", A, "rmsprop_step",
        "Adds g^2 to square_avg without decaying it (that is Adagrad).",
        "Your square_avg only grows: RMSprop keeps a moving average, "
        "s = alpha * s + (1 - alpha) * g^2; adding g^2 forever is Adagrad, whose steps shrink "
        "to nothing.",
        """
        import numpy as np

        def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
            square_avg = square_avg + grad ** 2
            return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg
        """,
        fails=("step", "tiny_gradients"),
    ),
    mistake(
        "rmsprop-missing-one-minus-alpha", A, "rmsprop_step",
        "Adds the whole g^2 to the decayed average, s = alpha s + g^2, instead of "
        "(1 - alpha) g^2.",
        "Your square_avg is too large (the new g^2 enters whole, so it tends to "
        "g^2 / (1 - alpha)) and your steps too small: it is a moving average, "
        "s = alpha * s + (1 - alpha) * g^2, where the new squared gradient gets weight "
        "1 - alpha.",
        """
        import numpy as np

        def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
            square_avg = alpha * square_avg + grad ** 2
            return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg
        """,
        fails=("step", "tiny_gradients"),
    ),
    mistake(
        "rmsprop-alpha-swapped", A, "rmsprop_step",
        "Gives the old average weight 1 - alpha and the new g^2 weight alpha.",
        "Your square_avg follows the latest g^2 almost entirely: the old average keeps weight "
        "alpha and the new squared gradient gets 1 - alpha, s = alpha * s + (1 - alpha) * g^2.",
        """
        import numpy as np

        def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
            square_avg = (1 - alpha) * square_avg + alpha * grad ** 2
            return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg
        """,
        fails=("step", "tiny_gradients"),
    ),
    mistake(
        "rmsprop-no-square-root", A, "rmsprop_step",
        "Divides the gradient by square_avg + eps instead of sqrt(square_avg) + eps.",
        "Your square_avg is right but your step has the wrong size: RMSprop divides by the "
        "root of the average, g / (sqrt(s) + eps). Dividing by s itself makes the step about "
        "lr / |g| (huge for small gradients, tiny for large ones) instead of about lr.",
        """
        import numpy as np

        def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
            square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
            return param - lr * grad / (square_avg + eps), square_avg
        """,
        fails=("step", "tiny_gradients"),
    ),
    mistake(
        "rmsprop-abs-gradient", A, "rmsprop_step",
        "Averages |g| instead of g^2 in square_avg.",
        "Your square_avg averages |grad| where RMSprop averages the squared gradient: "
        "s = alpha * s + (1 - alpha) * grad ** 2, whose square root (the root mean square of "
        "the gradients) is what the step divides by.",
        """
        import numpy as np

        def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
            square_avg = alpha * square_avg + (1 - alpha) * np.abs(grad)
            return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg
        """,
        fails=("step", "tiny_gradients"),
    ),
    mistake(
        "rmsprop-step-with-old-average", A, "rmsprop_step",
        "Steps with the square_avg it was given and updates square_avg after the step.",
        "Your square_avg is right but your step divides by the one from before this gradient "
        "(on a first step that is 0, so the step is about lr * grad / eps): update it first, "
        "s = alpha * s + (1 - alpha) * grad ** 2, then step with the new s.",
        """
        import numpy as np

        def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
            new_param = param - lr * grad / (np.sqrt(square_avg) + eps)
            return new_param, alpha * square_avg + (1 - alpha) * grad ** 2
        """,
        fails=("step", "tiny_gradients"),
    ),
    mistake(
        "adam-no-bias-correction", A, "adam_step",
        "Uses m and v directly, without dividing by 1 - beta1^t and 1 - beta2^t.",
        "Your first steps are too large (about 3.2 x lr at t = 1 with the default betas): did "
        "you apply Adam's bias correction, m_hat = m / (1 - beta1^t) and "
        "v_hat = v / (1 - beta2^t)?",
        """
        import numpy as np

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            return param - lr * m / (np.sqrt(v) + eps), m, v
        """,
        fails=("one_step", "trajectory"),
        shows=("no-bias-correction",),
        seed_pitfall=True,
    ),
    mistake(
        "adam-only-first-moment-corrected", A, "adam_step",
        "Corrects m but not v, so early steps are about sqrt(1 / (1 - beta2^t)) times too large.",
        "Your first steps are far too large (about 32 x lr at t = 1): you corrected m but not v. "
        "Divide v by 1 - beta2^t too.",
        """
        import numpy as np

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            return param - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v) + eps), m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adam-only-second-moment-corrected", A, "adam_step",
        "Corrects v but not m, so early steps are about 1 - beta1^t times too small.",
        "Your first steps are too small (about 0.1 x lr at t = 1): you corrected v but not m. "
        "Divide m by 1 - beta1^t too.",
        """
        import numpy as np

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            return param - lr * m / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adam-eps-inside-sqrt", A, "adam_step",
        "Divides by sqrt(v_hat + eps) instead of sqrt(v_hat) + eps.",
        "Your steps are too small where gradients are tiny: epsilon goes outside the square "
        "root, m_hat / (sqrt(v_hat) + eps). Inside, it puts a floor of sqrt(eps) = 1e-4 under "
        "the denominator.",
        """
        import numpy as np

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return param - lr * m_hat / np.sqrt(v_hat + eps), m, v
        """,
        fails=("one_step", "trajectory"),
        shows=("only-tiny",),
    ),
    mistake(
        "adam-no-square-root", A, "adam_step",
        "Divides m_hat by v_hat + eps instead of sqrt(v_hat) + eps.",
        "Your m and v are right but your step has the wrong size: Adam divides by the root of "
        "the second moment, m_hat / (sqrt(v_hat) + eps). Dividing by v_hat itself makes the "
        "step about lr / |g| (huge for small gradients, tiny for large ones) instead of about "
        "lr.",
        """
        import numpy as np

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return param - lr * m_hat / (v_hat + eps), m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adam-second-moment-uses-beta1", A, "adam_step",
        "Updates v with beta1 (v = beta1 v + (1 - beta1) g^2, the m line copied) instead of "
        "beta2.",
        "Your m is right but your v is not: it decays with beta1, the first moment's rate (the "
        "m line copied?). The second moment has its own rate, v = beta2 * v + (1 - beta2) * "
        "grad ** 2, as its bias correction 1 - beta2^t assumes.",
        """
        import numpy as np

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta1 * v + (1 - beta1) * grad ** 2
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adam-step-with-old-moments", A, "adam_step",
        "Takes the step with the m and v it was given and updates them after the step.",
        "Your m and v are right but your step uses the ones from before this gradient (on a "
        "first step from m = v = 0 your parameters do not move): update m and v with grad "
        "first, then compute m_hat and v_hat from the new values and step.",
        """
        import numpy as np

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            return new_param, m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adam-abs-gradient", A, "adam_step",
        "Averages |g| instead of g^2 in the second moment v.",
        "Your m is right but your v averages |grad| where Adam averages the squared gradient: "
        "v = beta2 * v + (1 - beta2) * grad ** 2, whose square root (the root mean square of "
        "the gradients) is what the step divides by.",
        """
        import numpy as np

        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * np.abs(grad)
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adamw-l2-in-gradient", A, "adamw_step",
        "Adds weight_decay * param to the gradient (Adam's L2 regularization) where AdamW's "
        "decoupled decay was asked for.",
        "You added the decay to the gradient (weight_decay * param), which is Adam with L2: "
        "the decay then goes through m and v and is rescaled. AdamW shrinks the weights "
        "directly, param * (1 - lr * weight_decay), and runs the Adam step on the plain gradient.",
        """
        import numpy as np

        def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=1e-2):
            grad = grad + weight_decay * param
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adamw-decay-without-lr", A, "adamw_step",
        "Shrinks the weights by (1 - weight_decay) instead of (1 - lr * weight_decay).",
        "Your weights shrink much too fast: the decoupled decay is scaled by the learning rate, "
        "param * (1 - lr * weight_decay).",
        """
        import numpy as np

        def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=1e-2):
            param = param * (1 - weight_decay)
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adamw-no-decay", A, "adamw_step",
        "Takes the plain Adam step and never applies the weight decay.",
        "Your weights are not decayed at all: this is plain Adam. AdamW first shrinks the "
        "weights, param = param * (1 - lr * weight_decay), then takes the Adam step with the "
        "plain gradient.",
        """
        import numpy as np

        def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=1e-2):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adamw-decay-after-step", A, "adamw_step",
        "Shrinks the weights after the Adam step, (param - step) * (1 - lr wd), instead of "
        "before it, so the decay also shrinks the step.",
        "Your weights are decayed after the Adam step, so the decay also shrinks the step: "
        "shrink the weights first, param = param * (1 - lr * weight_decay), then subtract the "
        "Adam step, lr * m_hat / (sqrt(v_hat) + eps).",
        """
        import numpy as np

        def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=1e-2):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
            return param * (1 - lr * weight_decay), m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adamw-eps-inside-sqrt", A, "adamw_step",
        "Divides by sqrt(v_hat + eps) instead of sqrt(v_hat) + eps in the Adam step.",
        "Your steps are too small where gradients are tiny: epsilon goes outside the square "
        "root, m_hat / (sqrt(v_hat) + eps). Inside, it puts a floor of sqrt(eps) = 1e-4 under "
        "the denominator.",
        """
        import numpy as np

        def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=1e-2):
            param = param * (1 - lr * weight_decay)
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return param - lr * m_hat / np.sqrt(v_hat + eps), m, v
        """,
        fails=("one_step", "trajectory"),
        shows=("only-tiny",),
    ),
    mistake(
        "adamw-second-moment-uses-beta1", A, "adamw_step",
        "Updates v with beta1 (v = beta1 v + (1 - beta1) g^2, the m line copied) instead of "
        "beta2.",
        "Your m is right but your v is not: it decays with beta1, the first moment's rate (the "
        "m line copied?). The second moment has its own rate, v = beta2 * v + (1 - beta2) * "
        "grad ** 2, as its bias correction 1 - beta2^t assumes.",
        """
        import numpy as np

        def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=1e-2):
            param = param * (1 - lr * weight_decay)
            m = beta1 * m + (1 - beta1) * grad
            v = beta1 * v + (1 - beta1) * grad ** 2
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adamw-step-with-old-moments", A, "adamw_step",
        "Takes the Adam step with the m and v it was given and updates them after the step.",
        "Your m and v are right but your Adam step uses the ones from before this gradient (on "
        "a first step from m = v = 0 only the decay moves your parameters): update m and v "
        "with grad first, then compute m_hat and v_hat from the new values and step.",
        """
        import numpy as np

        def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=1e-2):
            param = param * (1 - lr * weight_decay)
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            return new_param, m, v
        """,
        fails=("one_step", "trajectory"),
    ),
    mistake(
        "adamw-abs-gradient", A, "adamw_step",
        "Averages |g| instead of g^2 in the second moment v.",
        "Your m is right but your v averages |grad| where Adam averages the squared gradient: "
        "v = beta2 * v + (1 - beta2) * grad ** 2, whose square root (the root mean square of "
        "the gradients) is what the step divides by.",
        """
        import numpy as np

        def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=1e-2):
            param = param * (1 - lr * weight_decay)
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * np.abs(grad)
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
        """,
        fails=("one_step", "trajectory"),
    ),
]
