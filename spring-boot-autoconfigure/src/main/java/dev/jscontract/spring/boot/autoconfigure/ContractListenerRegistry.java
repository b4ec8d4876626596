package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.spring.boot.ContractListener;
import io.nats.client.Message;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Finds {@link ContractListener} methods on beans as they are initialized, checks their parameters, and keeps them
 * for the consumer factory. The method is invoked on the bean as the context holds it (its proxy, if any), so
 * {@code @Transactional} on the listener applies.
 */
final class ContractListenerRegistry implements BeanPostProcessor {
    /** One listener method. */
    record Endpoint(
            String beanName,
            Object bean,
            Method method,
            String target,
            int payloadIndex,
            @Nullable Type payloadType,
            int messageIndex) {

        String describe() {
            return "@ContractListener(\"" + target + "\") on "
                    + method.getDeclaringClass().getName() + "." + method.getName() + " (bean '" + beanName + "')";
        }
    }

    private final List<Endpoint> endpoints = new ArrayList<>();

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Class<?> targetClass = AopUtils.getTargetClass(bean);
        Map<Method, ContractListener> found =
                MethodIntrospector.selectMethods(targetClass, (MethodIntrospector.MetadataLookup<ContractListener>)
                        m -> AnnotatedElementUtils.findMergedAnnotation(m, ContractListener.class));
        for (Map.Entry<Method, ContractListener> e : found.entrySet()) {
            Method invocable = AopUtils.selectInvocableMethod(e.getKey(), bean.getClass());
            register(beanName, bean, invocable, e.getKey(), e.getValue().value());
        }
        return bean;
    }

    private void register(String beanName, Object bean, Method invocable, Method declared, String target) {
        String where = "@ContractListener(\"" + target + "\") on "
                + declared.getDeclaringClass().getName() + "." + declared.getName();
        if (target.isBlank()) {
            throw new IllegalStateException(
                    where + ": the contract name is blank; name a ConsumerContract bean, a jscontract.contracts key or"
                            + " a durable");
        }
        Class<?>[] types = declared.getParameterTypes();
        Type[] generic = declared.getGenericParameterTypes();
        int payload = -1;
        int message = -1;
        for (int i = 0; i < types.length; i++) {
            if (Message.class.isAssignableFrom(types[i])) {
                if (message >= 0) {
                    throw new IllegalStateException(where + " has two io.nats.client.Message parameters; take at most"
                            + " one payload and one Message");
                }
                message = i;
            } else {
                if (payload >= 0) {
                    throw new IllegalStateException(where + " has two payload parameters ("
                            + types[payload].getSimpleName() + ", " + types[i].getSimpleName()
                            + "); take at most one payload and one io.nats.client.Message");
                }
                payload = i;
            }
        }
        if (types.length == 0) {
            throw new IllegalStateException(
                    where + " has no parameters; take the payload, the io.nats.client.Message, or both");
        }
        org.springframework.util.ReflectionUtils.makeAccessible(invocable);
        synchronized (endpoints) {
            endpoints.add(new Endpoint(
                    beanName, bean, invocable, target, payload, payload >= 0 ? generic[payload] : null, message));
        }
    }

    /** The listener methods found so far. */
    List<Endpoint> endpoints() {
        synchronized (endpoints) {
            return List.copyOf(endpoints);
        }
    }
}
